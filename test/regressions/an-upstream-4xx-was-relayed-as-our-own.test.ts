// An upstream's 4xx (a 401 from OpenAI for our own key) was relayed as our answer, with its message, key prefix and organisation (d84a46c).
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import OpenAI from 'openai'
import t, { type Test } from 'tap'
import { build, logCapture } from '../helper.js'
import { codeOf, presetNames, target } from '../helpers/presets.js'

const upstreamKey = 'sk-proj-abcDEF0123456789ghiJKL0123456789mnoPQR'
const upstreamOrg = 'org-SECRETORG9f8e7d6c'

/** A fake OpenAI: `/<status>/v1/...` answers that status with an error body that names our key and organisation. */
async function fakeOpenAI (test: Test): Promise<number> {
  const server = createServer((req, res) => {
    const status = Number(req.url?.split('/')[1])
    const messages: Record<number, string> = {
      400: `Invalid value for 'model' in organization ${upstreamOrg}.`,
      401: `Incorrect API key provided: ${upstreamKey}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      429: `Rate limit reached for gpt-4o in organization ${upstreamOrg} on tokens per min (TPM).`
    }
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'openai-organization': upstreamOrg,
      'x-request-id': 'req_upstream_7f3a',
      'set-cookie': '__cf_bm=SECRETCOOKIE; path=/'
    }
    if (status === 429) headers['retry-after'] = '7'
    res.writeHead(status, headers)
    res.end(JSON.stringify({ error: { message: messages[status], type: 'invalid_request_error', param: null, code: status === 401 ? 'invalid_api_key' : 'upstream_specific' } }))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  test.teardown(() => new Promise<void>(resolve => {
    server.closeAllConnections()
    server.close(() => resolve())
  }))
  return (server.address() as AddressInfo).port
}

t.test('the real openai SDK failing upstream: the preset\'s 502, nothing of the upstream in the answer, all of it in the log', async t => {
  const port = await fakeOpenAI(t)
  for (const preset of presetNames) {
    const { stream, lines } = logCapture()
    const app = await build(t, { plugin: { preset }, server: { logger: { level: 'info', stream } } })
    app.get('/call/:status', async (request) => {
      const { status } = request.params as { status: string }
      const client = new OpenAI({ apiKey: upstreamKey, baseURL: `http://127.0.0.1:${port}/${status}/v1`, maxRetries: 0 })
      return await client.models.list()
    })
    const expected = target(preset, 'upstream')
    for (const status of [400, 401, 429]) {
      lines.length = 0
      const res = await app.inject(`/call/${status}`)
      const label = `${preset}, upstream ${status}`
      t.equal(res.statusCode, expected.status, `${label}: the upstream condition's status`)
      t.equal(codeOf(res.json()), expected.code, `${label}: the upstream condition's code`)
      const answer = res.body + JSON.stringify(res.headers)
      for (const leak of [upstreamKey, 'sk-proj', upstreamOrg, 'Incorrect API key', 'Rate limit reached', 'invalid_api_key', 'req_upstream', 'SECRETCOOKIE']) {
        t.notOk(answer.includes(leak), `${label}: the answer does not carry ${leak}`)
      }
      t.equal(res.headers['retry-after'], undefined, `${label}: the upstream's Retry-After is not ours`)
      const line = lines.find(l => l.level === 50 && l.error_code === expected.code)
      t.ok(line, `${label}: an error line`)
      t.match(line?.err?.message, status === 401 ? /Incorrect API key provided/ : /organization/, `${label}: the log has the upstream's message`)
      t.equal(line?.err?.status, status, `${label}: and its status`)
      t.notOk(JSON.stringify(lines).includes(upstreamKey), `${label}: but never the key itself`)
    }
  }
})
