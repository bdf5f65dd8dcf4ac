import { once } from 'node:events'
import { PassThrough } from 'node:stream'
import t, { type Test } from 'tap'
import { ApiError, type ErrorEnvelopeOptions } from '../src/index.js'
import { build, logCapture } from './helper.js'
import { events, failing, listen, ndjson, serve, sse, streaming } from './stream-helper.js'

// Errors inside streams (docs/guides/streams.md) for a stream passed to `reply.send`, over real sockets:
// after the head, one error event (or NDJSON line) carrying the body a non-streaming answer carries, then a clean end.

const presetCases: Array<{ preset: NonNullable<ErrorEnvelopeOptions['preset']>, code: string, event: string | undefined }> = [
  { preset: 'tokenbay', code: 'bad_gateway', event: undefined },
  { preset: 'genai', code: 'SERVICE_UNAVAILABLE', event: 'error' },
  { preset: 'sessions', code: 'BACKEND_ERROR', event: 'error' },
  { preset: 'aitbc', code: 'SYSTEM_UPSTREAM_ERROR', event: 'error' },
  { preset: 'problem', code: 'BAD_GATEWAY', event: 'error' }
]

for (const { preset, code, event } of presetCases) {
  t.test(`${preset}: a source that fails after the head ends the stream with one error event whose data is the body of a non-streaming answer`, async t => {
    const { url } = await serve(t, { preset }, () => failing(new ApiError(code)))
    const response = await fetch(`${url}/stream`)
    t.equal(response.status, 200)
    const text = await response.text()
    const all = events(text)
    t.equal(all.length, 3, text)
    t.same(all.slice(0, 2).map(e => e.data), ['{"n":1}', '{"n":2}'], 'the events before the error are all there')
    const last = all[2] ?? { data: '' }
    t.equal(last.event, event, event === undefined ? 'unnamed, as OpenAI sends it' : 'event: error')
    const body = await fetch(`${url}/body`)
    const expected = JSON.parse(await body.text())
    const got = JSON.parse(last.data)
    // The request ids and timestamps are the same by construction (fixed id, fixed clock); the instance is the path.
    if (typeof expected.instance === 'string') expected.instance = '/stream'
    t.same(got, expected, 'same body as the non-streaming answer')
    t.ok(text.endsWith('\n\n'), 'the stream ends after a complete event')
  })
}

t.test('a source that fails before the first byte gets the ordinary HTTP error answer, with its status and headers', async t => {
  const { url } = await serve(t, { preset: 'tokenbay' }, () => failing(new ApiError('account_rate_limited', { retryAfter: 30 }), []))
  const response = await fetch(`${url}/stream`)
  t.equal(response.status, 429)
  t.match(response.headers.get('content-type'), /^application\/json/)
  t.equal(response.headers.get('x-should-retry'), 'true')
  t.equal(response.headers.get('retry-after'), '30')
  t.same(await response.json(), { error: { message: 'Account request rate limit exceeded', type: 'rate_limit_error', code: 'account_rate_limited' } })
})

t.test('a wait raised mid-stream is the event\'s retry field and the body\'s retry_after where the format has one', async t => {
  const { url } = await serve(t, { preset: 'aitbc' }, () => failing(new ApiError('RATE_LIMIT_EXCEEDED', { retryAfter: 30 })))
  const last = events(await (await fetch(`${url}/stream`)).text()).at(-1)
  t.equal(last?.retry, '30000', 'retry: in milliseconds, what an EventSource waits before reconnecting')
  t.match(JSON.parse(last?.data ?? ''), { error_code: 'RATE_LIMIT_EXCEEDED', retry_after: 30, request_id: 'req-stream-1' })
})

t.test('NDJSON: the error is the last line, the body as one line', async t => {
  const lines = ['{"n":1}\n', '{"n":2}\n']
  const { url } = await serve(t, { preset: 'genai' }, () => failing(new ApiError('RATE_LIMIT_EXCEEDED', { retryAfter: 5 }), lines), ndjson)
  const response = await fetch(`${url}/stream`)
  const text = await response.text()
  t.ok(text.endsWith('\n'))
  const all = text.trimEnd().split('\n')
  t.equal(all.length, 3, text)
  t.match(JSON.parse(all[2] ?? ''), { success: false, error: { code: 'RATE_LIMIT_EXCEEDED' }, meta: { request_id: 'req-stream-1' } })
})

t.test('a source that fails in the middle of an event or line: the half is closed off, the error event stays whole', async t => {
  for (const [type, parts] of [[sse, ['data: {"n":1}\n\n', 'data: {"n"']], [ndjson, ['{"n":1}\n', '{"n"']]] as const) {
    const { url } = await serve(t, { preset: 'genai' }, () => failing(new ApiError('SERVICE_UNAVAILABLE'), [...parts]), type)
    const text = await (await fetch(`${url}/stream`)).text()
    const last = type === sse ? events(text).at(-1)?.data : text.trimEnd().split('\n').at(-1)
    t.match(JSON.parse(last ?? ''), { success: false, error: { code: 'SERVICE_UNAVAILABLE' } }, type)
  }
})

t.test('a plain Error mid-stream: the internal error\'s body, message hidden, one error line in the log with the code and the events sent before it', async t => {
  const { url, lines } = await serve(t, { preset: 'genai' }, () => failing(new Error('db password=hunter2 refused')))
  const text = await (await fetch(`${url}/stream`)).text()
  t.notMatch(text, /hunter2/)
  const last = JSON.parse(events(text).at(-1)?.data ?? '')
  t.match(last, { success: false, error: { code: 'INTERNAL_ERROR' } })
  const logged = lines.filter(line => line.error_code !== undefined)
  t.equal(logged.length, 1, 'one line')
  t.match(logged[0], { level: 50, error_code: 'INTERNAL_ERROR', status: 500, stream_events: 2 })
})

/**
 * A tokenbay app whose `/stream` writes one event from a source that then waits; `sendError` answers
 * an error for that reply later, from elsewhere, as an upstream's callback would.
 */
async function waitingStream (t: Test): Promise<{ url: string, source: PassThrough, lines: Array<Record<string, any>>, sendError: (error: unknown) => void }> {
  const { stream, lines } = logCapture()
  const app = await build(t, { requestId: 'req-stream-1', plugin: { preset: 'tokenbay' }, server: { logger: { level: 'info', stream } } })
  const source = new PassThrough()
  let answer: ((error: unknown) => void) | undefined
  app.get('/stream', streaming, async (_request, reply) => {
    answer = error => { reply.sendError(error) }
    source.write('data: {"n":1}\n\n')
    return reply.type(sse).send(source)
  })
  app.get('/ok', async () => ({ ok: true }))
  const url = await listen(t, app)
  return { url, source, lines, sendError: error => answer?.(error) }
}

t.test('reply.sendError() while the source waits ends the stream with the error and closes the source', async t => {
  const { url, source, lines, sendError } = await waitingStream(t)
  const response = await fetch(`${url}/stream`)
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  const first = await reader.read()
  t.equal(Buffer.from(first.value ?? []).toString(), 'data: {"n":1}\n\n')
  const closed = once(source, 'close')
  sendError(new ApiError('upstream_timeout'))
  let rest = ''
  for (let chunk = await reader.read(); chunk.done !== true; chunk = await reader.read()) rest += Buffer.from(chunk.value).toString()
  t.same(events(rest), [{ data: '{"error":{"message":"Upstream Timeout","type":"upstream_error","code":"upstream_timeout"}}' }])
  await closed
  t.ok(source.destroyed, 'the source is closed')
  t.match(lines.filter(line => line.error_code !== undefined), [{ error_code: 'upstream_timeout', stream_events: 1 }])
  // A second error for the same reply is not answered again, nor logged as one.
  sendError(new ApiError('bad_gateway'))
  t.equal(lines.filter(line => line.error_code !== undefined).length, 1)
})

t.test('a client that disconnects mid-stream: nothing is written to the closed socket, the source is closed, the server goes on', async t => {
  const { url, source, lines, sendError } = await waitingStream(t)
  const controller = new AbortController()
  const response = await fetch(`${url}/stream`, { signal: controller.signal })
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  await reader.read()
  const closed = once(source, 'close')
  controller.abort()
  await closed
  t.ok(source.destroyed, 'the source is closed when the client goes')
  // An error after the client left has no one to go to.
  sendError(new ApiError('bad_gateway'))
  t.same(lines.filter(line => line.error_code !== undefined), [], 'no error event answered')
  t.same(await (await fetch(`${url}/ok`)).json(), { ok: true }, 'the server still answers')
})

t.test('a stream that ends without error is sent as it is', async t => {
  async function * fine (): AsyncGenerator<string> {
    yield 'data: {"n":1}\n\n'
    yield 'data: [DONE]\n\n'
  }
  const { url } = await serve(t, { preset: 'tokenbay' }, fine)
  t.equal(await (await fetch(`${url}/stream`)).text(), 'data: {"n":1}\n\ndata: [DONE]\n\n')
})

t.test('other content types are left to Fastify: a failing text/plain stream is cut, as before', async t => {
  const { url, lines } = await serve(t, { preset: 'tokenbay' }, () => failing(new ApiError('bad_gateway')), 'text/plain')
  await t.rejects((await fetch(`${url}/stream`)).text(), 'the connection is cut')
  t.same(lines.filter(line => line.stream_events !== undefined), [])
})
