import t from 'tap'
import { errorCodes } from 'fastify'
import type { PresetName } from '../src/index.js'
import { build } from './helper.js'

// A request the framework refuses before any route runs (malformed or empty JSON, a content type
// nobody parses, a body over the limit) is answered with what was wrong, in every preset: where
// the preset's message is the document's fixed text (genai), in `details.issue`, as a validation
// failure says it; elsewhere in the message itself.

const presetNames: PresetName[] = ['aitbc', 'genai', 'sessions', 'tokenbay', 'problem']

function issueText (preset: PresetName, body: any): unknown {
  switch (preset) {
    case 'aitbc': return body.detail
    case 'genai': return body.error.details?.issue
    case 'sessions': return body.error.message
    case 'tokenbay': return body.error.message
    case 'problem': return body.detail
  }
}

const cases: Array<{ name: string, headers: Record<string, string>, payload: string, status: number, issue: string | RegExp }> = [
  { name: 'malformed JSON', headers: { 'content-type': 'application/json' }, payload: '{"prompt":', status: 400, issue: new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY().message },
  { name: 'an empty JSON body', headers: { 'content-type': 'application/json' }, payload: '', status: 400, issue: new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY().message },
  { name: 'a content type nobody parses', headers: { 'content-type': 'application/xml' }, payload: '<job/>', status: 415, issue: new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE().message },
  { name: 'a body over bodyLimit', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ prompt: 'x'.repeat(200) }), status: 413, issue: /body/i }
]

for (const preset of presetNames) {
  t.test(`${preset}: what was wrong with the request body is in the answer`, async t => {
    const app = await build(t, { plugin: { preset }, server: { bodyLimit: 100 } })
    app.post('/generate', async () => ({ ok: true }))
    for (const c of cases) {
      const res = await app.inject({ method: 'POST', url: '/generate', headers: c.headers, payload: c.payload })
      t.equal(res.statusCode, c.status, `${c.name}: status`)
      const issue = issueText(preset, res.json())
      if (typeof c.issue === 'string') t.equal(issue, c.issue, c.name)
      else t.match(issue, c.issue, c.name)
    }
  })
}

t.test('genai: the document\'s message stays, the issue goes to details.issue with no field', async t => {
  const app = await build(t, { requestId: 'req_1234567890', plugin: { preset: 'genai' } })
  app.post('/v1/generate', async () => ({ ok: true }))
  const res = await app.inject({ method: 'POST', url: '/v1/generate', headers: { 'content-type': 'application/json' }, payload: '{"prompt":' })
  t.strictSame(res.json(), {
    success: false,
    error: {
      code: 'INVALID_REQUEST',
      message: 'The request was invalid',
      details: { issue: "Body is not valid JSON but content-type is set to 'application/json'" }
    },
    meta: { request_id: 'req_1234567890', timestamp: '2024-01-01T00:00:00Z' }
  })
})

t.test('genai: errors that are not about the request keep the document\'s body, with no details', async t => {
  const app = await build(t, { requestId: 'req_1234567890', plugin: { preset: 'genai' } })
  app.get('/boom', async () => { throw new Error('secret internals') })
  for (const url of ['/nope', '/boom']) {
    const body = (await app.inject(url)).json()
    t.equal(body.error.details, undefined, url)
    t.notMatch(JSON.stringify(body), 'secret', url)
  }
})
