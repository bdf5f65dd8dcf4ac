import t from 'tap'
import { startExample } from './start-example.js'
import { run } from '../../examples/streaming-gateway/client.js'
import { ApiClientError, readStream } from '../../src/client.js'

// The streaming example, started as a user would, called by its own client (the openai SDK and readStream).

const id = 'req_[0-9a-f]{32}'
const expected = [
  /^hello: "Hello there", done$/,
  new RegExp(`^fail: "Hello there", then APIError status=undefined code=bad_gateway type=upstream_error message="Bad Gateway" requestID=${id}$`),
  new RegExp(`^limit: "Hello there", then APIError status=undefined code=account_rate_limited type=rate_limit_error message="Account request rate limit exceeded" requestID=${id}$`),
  new RegExp(`^refuse: "", then RateLimitError status=429 code=account_rate_limited type=rate_limit_error message="429 Account request rate limit exceeded" requestID=${id}$`),
  /^events: \{"n":1\} \{"n":2\} \{"n":3\}, then ApiClientError status=502 code=bad_gateway retry=exponential_backoff message="Bad Gateway"$/
]

t.test('tokenbay: the openai SDK gets the chunks, then its APIError; before the first chunk its RateLimitError; @fastify/sse ends with the error event', async t => {
  const origin = await startExample(t, 'examples/streaming-gateway/server.ts')
  const lines = await run(`${origin}/v1`)
  t.equal(lines.length, expected.length, lines.join('\n'))
  expected.forEach((pattern, i) => t.match(lines[i], pattern))
})

for (const preset of ['genai', 'sessions'] as const) {
  t.test(`${preset}: the last event of both routes parses as the preset's envelope`, async t => {
    const origin = await startExample(t, 'examples/streaming-gateway/server.ts', { PRESET: preset })
    const completion = await fetch(`${origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'limit' }] })
    })
    const text = await completion.text()
    const last = text.trimEnd().split('\n\n').at(-1) ?? ''
    t.match(last, /^event: error\ndata: .*\nretry: 5000$/)
    const body = JSON.parse(/^data: (.*)$/m.exec(last)?.[1] ?? '')
    t.match(body, { success: false, error: { code: 'RATE_LIMIT_EXCEEDED' }, meta: { request_id: completion.headers.get('x-request-id') } })
    t.equal('data' in body, preset === 'sessions', 'sessions shows data: null')

    const seen: string[] = []
    const error = await (async () => {
      for await (const message of readStream(await fetch(`${origin}/v1/events`))) seen.push(message.data)
    })().then(() => undefined, (err: unknown) => err)
    t.same(seen, ['{"n":1}', '{"n":2}', '{"n":3}'])
    t.ok(error instanceof ApiClientError)
    t.match(error, { format: 'envelope', code: preset === 'genai' ? 'SERVICE_UNAVAILABLE' : 'BACKEND_ERROR', status: preset === 'genai' ? 503 : 502 })
  })
}
