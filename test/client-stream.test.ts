import { Readable } from 'node:stream'
import t, { type Test } from 'tap'
import { ApiError, type ErrorEnvelopeOptions } from '../src/index.js'
import { ApiClientError, parseApiError, parseStreamError, readStream, type StreamMessage } from '../src/client.js'
import { build } from './helper.js'

// `fastify-error-envelope/client` reads an error event of an event stream, or the error line of NDJSON,
// into the same ApiClientError a non-streaming body gives: checked against the plugin's own servers.

const sse = 'text/event-stream'
const ndjson = 'application/x-ndjson'

async function serve (t: Test, plugin: ErrorEnvelopeOptions, type: string, make: () => unknown, before: string[]): Promise<string> {
  const app = await build(t, { requestId: 'req-client-1', plugin })
  app.get('/stream', { config: { stream: true } }, async (_request, reply) => {
    async function * source (): AsyncGenerator<string> {
      for (const part of before) {
        yield part
        await new Promise(resolve => setImmediate(resolve))
      }
      throw make()
    }
    return reply.type(type).send(Readable.from(source()))
  })
  app.get('/body', async () => { throw make() })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return `http://127.0.0.1:${address.port}`
}

/** Everything readStream yields, and what it throws. */
async function read (url: string): Promise<{ messages: StreamMessage[], error: unknown }> {
  const messages: StreamMessage[] = []
  try {
    for await (const message of readStream(await fetch(url))) messages.push(message)
  } catch (error) {
    return { messages, error }
  }
  return { messages, error: undefined }
}

const compared = ['status', 'code', 'message', 'requestId', 'details', 'field', 'retryable', 'retry', 'format', 'body'] as const

const cases: Array<{ preset: NonNullable<ErrorEnvelopeOptions['preset']>, error: () => unknown }> = [
  { preset: 'tokenbay', error: () => new ApiError('bad_gateway') },
  { preset: 'genai', error: () => new ApiError('SERVICE_UNAVAILABLE') },
  { preset: 'sessions', error: () => new ApiError('BACKEND_ERROR') },
  { preset: 'aitbc', error: () => new ApiError('RATE_LIMIT_EXCEEDED', { retryAfter: 30 }) },
  { preset: 'problem', error: () => new ApiError('BAD_GATEWAY') }
]

for (const { preset, error } of cases) {
  for (const [type, before] of [[sse, ['data: {"n":1}\n\n', ': a comment\n\n', 'event: tick\ndata: 2\n\n']], [ndjson, ['{"n":1}\n', '\n', '2\n']]] as const) {
    t.test(`${preset}, ${type}: readStream yields the messages, then throws the ApiClientError parseApiError reads from the non-streaming body`, async t => {
      const url = await serve(t, { preset }, type, error, [...before])
      const { messages, error: thrown } = await read(`${url}/stream`)
      t.same(messages.map(m => m.data), ['{"n":1}', '2'])
      if (type === sse) t.equal(messages[1]?.event, 'tick')
      t.ok(thrown instanceof ApiClientError, String(thrown))
      const expected = await parseApiError(await fetch(`${url}/body`))
      for (const key of compared) {
        // The problem body names its path; the stream's path is another.
        if (key === 'body' && preset === 'problem') continue
        t.same((thrown as ApiClientError)[key], expected?.[key], key)
      }
      t.equal((thrown as ApiClientError).retryAfterMs, expected?.retryAfterMs, 'the same wait')
    })
  }
}

t.test('a wait the body cannot show arrives in the event\'s retry field', async t => {
  const url = await serve(t, { preset: 'genai' }, sse, () => new ApiError('RATE_LIMIT_EXCEEDED', { retryAfter: 12 }), ['data: 1\n\n'])
  const { error } = await read(`${url}/stream`)
  t.match(error, { code: 'RATE_LIMIT_EXCEEDED', status: 429, retryAfterMs: 12_000, retry: 'wait_retry_after', requestId: 'req-client-1' })
})

t.test('an error before the first byte is thrown as parseApiError reads it, with its headers', async t => {
  const url = await serve(t, { preset: 'tokenbay' }, sse, () => new ApiError('account_rate_limited', { retryAfter: 30 }), [])
  const { messages, error } = await read(`${url}/stream`)
  t.same(messages, [])
  t.match(error, { status: 429, code: 'account_rate_limited', retryAfterMs: 30_000, retryable: true })
})

t.test('a stream without an error ends; OpenAI chunks and [DONE] are messages, not errors', async t => {
  const chunks = ['data: {"id":"c1","choices":[{"delta":{"content":"hi"}}]}', '', 'data: [DONE]', '', ''].join('\r\n')
  // Split into single bytes: lines and CRLFs cut across chunks.
  const bytes = new TextEncoder().encode(chunks)
  const body = new ReadableStream<Uint8Array>({
    start (controller) {
      for (const byte of bytes) controller.enqueue(Uint8Array.of(byte))
      controller.close()
    }
  })
  const messages: StreamMessage[] = []
  for await (const message of readStream(new Response(body, { headers: { 'content-type': sse } }))) messages.push(message)
  t.same(messages.map(m => m.data), ['{"id":"c1","choices":[{"delta":{"content":"hi"}}]}', '[DONE]'])
})

t.test('parseStreamError: which messages are errors', async t => {
  t.equal(await parseStreamError({ data: '{"choices":[]}' }), undefined, 'a data event')
  t.equal(await parseStreamError({ data: '[DONE]' }), undefined)
  t.equal(await parseStreamError({ event: 'progress', data: '{"success":false,"error":{"code":"X","message":"m"},"meta":{"request_id":"r"}}' }), undefined, 'an envelope-shaped event not named error')
  t.equal(await parseStreamError('{"n":1}'), undefined, 'a data line')
  t.match(await parseStreamError({ data: '{"error":{"message":"Bad Gateway","type":"upstream_error","code":"bad_gateway"}}' }, 'req-9'), { code: 'bad_gateway', status: 502, format: 'openai', requestId: 'req-9' }, 'OpenAI\'s unnamed error event')
  t.match(await parseStreamError({ event: 'error', data: 'upstream went away' }), { code: 'HTTP_500', message: 'upstream went away', format: 'unknown' }, 'an error event that is no body')
  t.match(await parseStreamError('{"detail":"Rate limited","error_code":"RATE_LIMIT_EXCEEDED","request_id":"r","retry_after":3}'), { code: 'RATE_LIMIT_EXCEEDED', status: 429, retryAfterMs: 3000, requestId: 'r' }, 'an NDJSON error line')
})

/** readStream over `text` as the body of a 200 response with `headers`: what it yields, and what it throws. */
async function readText (text: string | null, headers: Record<string, string>): Promise<{ messages: StreamMessage[], error: unknown }> {
  const messages: StreamMessage[] = []
  try {
    for await (const message of readStream(new Response(text === null ? null : new Blob([text]).stream(), { headers }))) messages.push(message)
  } catch (error) {
    return { messages, error }
  }
  return { messages, error: undefined }
}

t.test('event-stream fields as the spec writes them: no space after the colon, a field name alone', async t => {
  const { messages } = await readText('data:x\ndata\nevent:tick\n\n', { 'content-type': sse })
  t.same(messages, [{ data: 'x\n', event: 'tick' }])
})

t.test('a response without a content type is read as NDJSON, its last line even without a newline', async t => {
  const { messages, error } = await readText('{"n":1}\n{"detail":"Upstream failed","error_code":"SYSTEM_UPSTREAM_ERROR","request_id":"r-1"}', {})
  t.same(messages, [{ data: '{"n":1}' }])
  t.match(error, { code: 'SYSTEM_UPSTREAM_ERROR', status: 502, requestId: 'r-1' })
})

t.test('a 200 without a body yields nothing', async t => {
  t.same(await readText(null, { 'content-type': sse }), { messages: [], error: undefined })
})

t.test('parseStreamError: an error event with no data, and a code no catalog knows', async t => {
  t.match(await parseStreamError({ event: 'error', data: '' }), { status: 500, message: 'the stream ended with an error' })
  t.match(await parseStreamError({ event: 'error', data: '{"detail":"Quota used up","error_code":"ACME_QUOTA_USED","request_id":"r"}' }), { code: 'ACME_QUOTA_USED', status: 500, message: 'Quota used up' }, 'a code of the app\'s own: 500, the stream\'s status says nothing')
  t.match(await parseStreamError({ data: '{"error":{"message":"The server had an error","type":"server_error","code":null}}' }), { status: 500, message: 'The server had an error', format: 'openai' }, 'an OpenAI error frame without a code: 500')
})
