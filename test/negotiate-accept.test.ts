import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { ApiError, presets, type ErrorEnvelopeOptions } from '../src/index.js'
import { build, type Teardown } from './helper.js'

// docs/formats.md, "Negotiation": with `negotiate`, Accept is read as RFC 9110 §12.5.1 says,
// and every error answer says `Vary: Accept` (§12.5.5). Over a real socket: caches see the wire.

const json = 'application/json'
const problem = 'application/problem+json'

async function listening (t: Teardown, plugin: ErrorEnvelopeOptions): Promise<{ app: FastifyInstance, base: string }> {
  const app = await build(t, { requestId: 'req-1', plugin: { negotiate: true, ...plugin } })
  app.get('/jobs/:id', async () => { throw presets.aitbc.errors.JOB_NOT_FOUND() })
  app.get('/ok', async () => ({ ok: true }))
  app.get('/cors', async (_request, reply) => {
    reply.header('vary', 'Origin')
    throw new ApiError('JOB_NOT_FOUND')
  })
  // Vary as apps leave it: a list, already Accept, everything, or blank.
  for (const [path, vary] of [['/vary-list', ['Origin', 'Cookie']], ['/vary-accept', 'origin, accept'], ['/vary-star', '*'], ['/vary-blank', ' ']] as const) {
    app.get(path, async (_request, reply) => {
      reply.header('vary', vary)
      throw new ApiError('JOB_NOT_FOUND')
    })
  }
  app.post('/jobs', { schema: { body: { type: 'object', required: ['prompt'], properties: { prompt: { type: 'string' } } } } }, async () => ({ ok: true }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return { app, base: `http://127.0.0.1:${address.port}` }
}

function mediaType (res: Response): string | undefined {
  return res.headers.get('content-type')?.split(';')[0]
}

// [Accept, the media type the error is answered in, why]
const table: Array<[string | undefined, string, string]> = [
  [undefined, json, 'no Accept: the preset\'s format'],
  ['', json, 'an empty Accept: the preset\'s format'],
  [json, json, 'JSON asked for'],
  [problem, problem, 'problem details asked for'],
  ['Application/Problem+JSON', problem, 'media types are case-insensitive (§8.3.1)'],
  [`${json};q=1, ${problem};q=0.5`, json, 'the higher weight wins: JSON (the issue\'s example)'],
  [`${problem};q=0.5, ${json}`, json, 'order does not count, weights do'],
  [`${problem}, ${json};q=0.5`, problem, 'problem details weighed higher'],
  [`${problem}, ${json}`, json, 'a tie keeps the preset\'s format'],
  ['*/*', json, '*/* accepts both: a tie'],
  ['application/*', json, 'application/* accepts both: a tie'],
  [`application/*;q=0.5, ${problem}`, problem, 'the specific type overrides application/* (§12.5.1)'],
  [`*/*;q=0.1, ${problem}`, problem, 'the specific type overrides */*'],
  [`${problem};q=0.9, */*;q=0.8`, problem, 'JSON only through */* at 0.8'],
  [`${problem};q=0.9, application/*;q=0.95`, json, 'JSON through application/* at 0.95'],
  [`${json};q=0, ${problem};q=0.1`, problem, 'q=0 refuses JSON (§12.4.2)'],
  [`${json}, ${problem};q=0`, json, 'q=0 refuses problem details'],
  ['text/html', json, 'neither acceptable: an error is answered anyway, in the preset\'s format'],
  [`${json};charset=utf-8;q=0.2, ${json};q=0.9, ${problem};q=0.5`, problem, 'the range with the charset is the most specific for our application/json; charset=utf-8'],
  [`${json};charset=ISO-8859-1, ${problem};q=0.5`, problem, 'a charset we do not send does not match'],
  [`${problem};q=abc, ${json};q=0.1`, json, 'a range with an unreadable weight is skipped'],
  [`${problem};q=1.5, ${json};q=0.1`, json, 'a weight above 1 is unreadable'],
  [` ${problem} ; q=0.6 , ${json} ; q=0.5 `, problem, 'whitespace around ranges and parameters'],
  [`${problem};q=0.6;ext=1, ${json};q=0.5`, problem, 'accept-extensions after the weight are not parameters'],
  [`${json};charset="utf-8";q=0.1, application/*;q=0.5`, problem, 'a quoted parameter value is read unquoted (§5.6.6): JSON at 0.1'],
  [`*/json, ${problem};q=0.5`, problem, '*/json is no media range: skipped'],
  [`/json, application/, text, ${problem};q=0.5`, problem, 'ranges without a type or a subtype are skipped'],
  [`${problem};flag;q=0.6, ${json};q=0.5`, problem, 'a parameter without a value is skipped, the rest of the range read']
]

t.test('Accept is weighed as RFC 9110 §12.5.1 says: a table of headers', async t => {
  const { base } = await listening(t, {})
  for (const [accept, want, why] of table) {
    const res = await fetch(`${base}/jobs/job-1`, { headers: accept === undefined ? {} : { accept } })
    t.equal(res.status, 404, why)
    t.equal(mediaType(res), want, `${JSON.stringify(accept)}: ${why}`)
    const body = await res.json() as Record<string, unknown>
    t.equal(want === problem ? body.code : body.error_code, 'JOB_NOT_FOUND', `${why}: the body is the format the header says`)
  }
})

t.test('the weight is compared with the active format\'s own content type, whatever it is', async t => {
  const { base } = await listening(t, { format: { contentType: 'text/plain; charset=utf-8', build: r => `${r.code}: ${r.message}` } })
  const cases: Array<[string, string]> = [
    [`text/*;q=0.4, ${problem};q=0.5`, problem],
    [`text/plain;q=0.6, ${problem};q=0.5`, 'text/plain'],
    [`${json}, ${problem};q=0.5`, problem]
  ]
  for (const [accept, want] of cases) {
    const res = await fetch(`${base}/jobs/job-1`, { headers: { accept } })
    t.equal(mediaType(res), want, accept)
    await res.arrayBuffer()
  }
})

t.test('a format whose content type has parameters of its own: a range naming them must match them exactly', async t => {
  const acme = 'application/vnd.acme+json; version=2'
  const { base } = await listening(t, { format: { contentType: acme, build: r => ({ code: r.code }) } })
  const cases: Array<[string, string]> = [
    [`application/vnd.acme+json;version=2;q=0.9, ${problem};q=0.5`, 'application/vnd.acme+json'],
    [`application/vnd.acme+json;version=3;q=0.9, ${problem};q=0.5`, problem],
    [`application/vnd.acme+json;Version=2;q=0.9, ${problem};q=0.5`, 'application/vnd.acme+json']
  ]
  for (const [accept, want] of cases) {
    const res = await fetch(`${base}/jobs/job-1`, { headers: { accept } })
    t.equal(mediaType(res), want, accept)
    await res.arrayBuffer()
  }
})

t.test('with negotiate every error answer carries Vary: Accept, whichever shape it got', async t => {
  const { base } = await listening(t, {})
  for (const accept of [undefined, json, problem]) {
    const headers: Record<string, string> = accept === undefined ? {} : { accept }
    const requests: Array<[string, RequestInit, number]> = [
      ['/jobs/job-1', { headers }, 404],
      ['/nope', { headers }, 404],
      ['/jobs', { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{}' }, 422],
      ['/jobs', { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{' }, 400],
      ['/jobs', { method: 'POST', headers: { ...headers, 'content-type': 'text/csv' }, body: 'a,b' }, 415]
    ]
    for (const [url, init, status] of requests) {
      const res = await fetch(base + url, init)
      await res.arrayBuffer()
      t.equal(res.status, status, `${url} ${JSON.stringify(accept)}`)
      t.equal(res.headers.get('vary'), 'Accept', `${url} ${status} ${JSON.stringify(accept)}: Vary: Accept`)
    }
  }
})

t.test('the rate limiter\'s 429 varies on Accept too', async t => {
  const { base } = await listening(t, { rateLimit: { max: 1, timeWindow: 60_000 } })
  await (await fetch(`${base}/ok`)).arrayBuffer()
  const limited = await fetch(`${base}/ok`, { headers: { accept: problem } })
  t.equal(limited.status, 429)
  t.equal(mediaType(limited), problem)
  t.equal(limited.headers.get('vary'), 'Accept')
  await limited.arrayBuffer()
})

t.test('Vary keeps the fields the app already named, and success answers are left alone', async t => {
  const { base } = await listening(t, {})
  const cors = await fetch(`${base}/cors`, { headers: { accept: problem } })
  await cors.arrayBuffer()
  t.equal(cors.headers.get('vary'), 'Origin, Accept')
  for (const [path, vary] of [['/vary-list', 'Origin, Cookie, Accept'], ['/vary-accept', 'origin, accept'], ['/vary-star', '*'], ['/vary-blank', 'Accept']]) {
    const res = await fetch(`${base}${path}`, { headers: { accept: problem } })
    await res.arrayBuffer()
    t.equal(res.headers.get('vary'), vary, `${path}: Accept is named once, and not beside *`)
  }
  const ok = await fetch(`${base}/ok`, { headers: { accept: problem } })
  t.same(await ok.json(), { ok: true })
  t.equal(ok.headers.get('vary'), null, 'a success answer is the app\'s: no Vary added')
})

t.test('without negotiate no error answer varies on Accept', async t => {
  const { base } = await listening(t, { negotiate: false })
  for (const url of ['/jobs/job-1', '/nope']) {
    const res = await fetch(base + url, { headers: { accept: problem } })
    t.equal(mediaType(res), json)
    t.equal(res.headers.get('vary'), null, url)
    await res.arrayBuffer()
  }
})
