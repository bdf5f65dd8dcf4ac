import { once } from 'node:events'
import { PassThrough, Readable } from 'node:stream'
import type { FastifyBaseLogger } from 'fastify'
import t from 'tap'
import { ApiError } from '../src/index.js'
import { build, logCapture } from './helper.js'
import { listen as listenRaw, openConnections, rawGet } from './helpers/raw-http.js'
import { events, failing, listen, sse, streaming } from './stream-helper.js'

// Errors inside streams passed to `reply.send` (docs/guides/streams.md) at the edges: a head Node
// refuses, a trailer that throws once the head is out, a web ReadableStream, a socket the route destroys.

t.test('a streaming route whose head Node refuses (an LF in a header) gets the envelope\'s answer, as any route does', async t => {
  const { stream, lines } = logCapture()
  const app = await build(t, { requestId: 'req-stream-1', plugin: { preset: 'tokenbay' }, server: { logger: { level: 'info', stream } } })
  const source = new PassThrough()
  app.get('/stream', streaming, async (_request, reply) => {
    source.write('data: {"n":1}\n\n')
    // A value copied from an upstream's head, as a proxy would.
    return reply.header('x-upstream', 'a\nSet-Cookie: x=1').type(sse).send(source)
  })
  const port = await listenRaw(t, app)
  const answer = await rawGet(port, '/stream')
  t.equal(answer.status, 500)
  t.same(JSON.parse(answer.body), { error: { message: 'Internal Server Error', type: 'server_error', code: 'internal_error' } }, 'the envelope, not Fastify\'s default error body')
  t.equal(answer.headers['x-upstream'], undefined)
  t.notMatch(answer.text, /set-cookie|ERR_INVALID_CHAR/i, 'nothing smuggled, no Node error code')
  t.equal(lines.filter(line => line.msg === 'dropped response headers Node refuses to write').length, 1)
  t.same(lines.filter(line => line.stream_events !== undefined), [], 'no error event: the stream never started')
  if (!source.destroyed) await once(source, 'close')
  t.ok(source.destroyed, 'the source that never went out is closed')
  t.equal(await openConnections(app), 0, 'no socket is left open')
})

t.test('a streaming route whose trailer throws after the head: the socket is closed and the failure logged, never a hang', async t => {
  const { stream, lines } = logCapture()
  const app = await build(t, { requestId: 'req-stream-1', plugin: { preset: 'tokenbay' }, server: { logger: { level: 'info', stream } } })
  app.get('/stream', streaming, async (_request, reply) => {
    reply.trailer('x-digest', () => { throw new Error('digest failed') })
    return 'data: {"n":1}\n\n'
  })
  app.get('/ok', async () => ({ ok: true }))
  const url = await listen(t, app)
  await t.rejects(fetch(`${url}/stream`).then(async res => await res.text()), 'the response is cut, not left open')
  t.match(lines.filter(line => line.level >= 50), [{ msg: 'the error answer could not be written; destroying the socket', request_id: 'req-stream-1' }])
  t.same(await (await fetch(`${url}/ok`)).json(), { ok: true }, 'the server still answers')
})

t.test('a web ReadableStream: reply.sendError() while it waits ends the stream with the error event and cancels it', async t => {
  const app = await build(t, { requestId: 'req-stream-1', plugin: { preset: 'tokenbay' } })
  let cancelled: (reason: unknown) => void = () => {}
  const cancel = new Promise(resolve => { cancelled = resolve })
  let sendError: ((error: unknown) => void) | undefined
  app.get('/stream', streaming, async (_request, reply) => {
    sendError = error => { reply.sendError(error) }
    const source = new ReadableStream<string>({
      start (controller) { controller.enqueue('data: {"n":1}\n\n') },
      cancel (reason) { cancelled(reason) }
    })
    return reply.type(sse).send(source)
  })
  const url = await listen(t, app)
  const response = await fetch(`${url}/stream`)
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  t.equal(Buffer.from((await reader.read()).value ?? []).toString(), 'data: {"n":1}\n\n')
  sendError?.(new ApiError('upstream_timeout'))
  let rest = ''
  for (let chunk = await reader.read(); chunk.done !== true; chunk = await reader.read()) rest += Buffer.from(chunk.value).toString()
  t.same(events(rest), [{ data: '{"error":{"message":"Upstream Timeout","type":"upstream_error","code":"upstream_timeout"}}' }])
  await cancel
  t.pass('the web stream is cancelled')
})

t.test('a route that destroys its socket and then reports an error: nothing is answered, the source is closed, the server goes on', async t => {
  const { stream, lines } = logCapture()
  const app = await build(t, { requestId: 'req-stream-1', plugin: { preset: 'tokenbay' }, server: { logger: { level: 'info', stream } } })
  const source = new PassThrough()
  let fail: (() => void) | undefined
  app.get('/stream', streaming, async (_request, reply) => {
    // An upstream that dies takes its client with it, and says why.
    fail = () => {
      reply.raw.destroy()
      reply.sendError(new ApiError('bad_gateway'))
    }
    source.write('data: {"n":1}\n\n')
    return reply.type(sse).send(source)
  })
  app.get('/ok', async () => ({ ok: true }))
  const url = await listen(t, app)
  const response = await fetch(`${url}/stream`)
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  await reader.read()
  const closed = once(source, 'close')
  fail?.()
  await t.rejects(reader.read(), 'the client sees the connection cut')
  await closed
  t.ok(source.destroyed, 'the source is closed')
  t.same(lines.filter(line => line.error_code !== undefined || line.stream_events !== undefined), [], 'no error event answered to a destroyed socket')
  t.same(await (await fetch(`${url}/ok`)).json(), { ok: true }, 'the server still answers')
})

t.test('a logger that throws while an error inside a stream is answered: the stream still ends after its events, never a hang', async t => {
  // A transport that fails on error lines: the handler's own attempts to log fail too.
  const logger = {
    level: 'info',
    error () { throw new Error('log transport down') },
    fatal () {},
    warn () {},
    info () {},
    debug () {},
    trace () {},
    silent () {},
    child () { return logger }
  }
  const app = await build(t, { requestId: 'req-stream-1', plugin: { preset: 'tokenbay' }, server: { loggerInstance: logger as unknown as FastifyBaseLogger } })
  app.get('/stream', streaming, async (_request, reply) => reply.type(sse).send(Readable.from(failing(new ApiError('bad_gateway')))))
  app.get('/ok', async () => ({ ok: true }))
  const url = await listen(t, app)
  const response = await fetch(`${url}/stream`)
  t.equal(response.status, 200)
  t.same(events(await response.text()), [{ data: '{"n":1}' }, { data: '{"n":2}' }], 'the events sent, then a clean end')
  t.same(await (await fetch(`${url}/ok`)).json(), { ok: true }, 'the server still answers')
})

/**
 * A stream-like object of another library: `pipe` for Fastify, read by the guard through its iterator.
 * It yields `first`, then `after()` decides; `destroy`, when given, is its own.
 */
function pipeable (first: string[], after: () => Promise<IteratorResult<string>>, extra: { destroy?: () => void, returned?: () => void } = {}): object {
  const queue = [...first]
  return {
    pipe () { throw new Error('the guard reads it, Fastify does not pipe it') },
    ...(extra.destroy === undefined ? {} : { destroy: extra.destroy }),
    [Symbol.asyncIterator] () {
      return {
        next: async () => queue.length > 0 ? { value: queue.shift() as string, done: false } : await after(),
        return: async () => {
          extra.returned?.()
          return { value: undefined, done: true }
        }
      }
    }
  }
}

const waitForever = async (): Promise<never> => await new Promise(() => {})

t.test('a stream-like source without destroy is closed through its iterator; two errors at once are answered once', async t => {
  const { stream, lines } = logCapture()
  const app = await build(t, { requestId: 'req-stream-1', plugin: { preset: 'tokenbay' }, server: { logger: { level: 'info', stream } } })
  let returned = false
  let sendError: ((error: unknown) => void) | undefined
  app.get('/stream', streaming, async (_request, reply) => {
    sendError = error => { reply.sendError(error) }
    return reply.type(sse).send(pipeable(['data: {"n":1}\n\n'], waitForever, { returned: () => { returned = true } }))
  })
  const url = await listen(t, app)
  const response = await fetch(`${url}/stream`)
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  t.equal(Buffer.from((await reader.read()).value ?? []).toString(), 'data: {"n":1}\n\n')
  sendError?.(new ApiError('upstream_timeout'))
  sendError?.(new ApiError('bad_gateway'))
  let rest = ''
  for (let chunk = await reader.read(); chunk.done !== true; chunk = await reader.read()) rest += Buffer.from(chunk.value).toString()
  t.match(events(rest), [{ data: /"code":"upstream_timeout"/ }])
  t.equal(events(rest).length, 1, 'one error event: the first error\'s')
  t.ok(returned, 'the source is closed through its iterator\'s return')
  t.match(lines.filter(line => line.error_code !== undefined), [{ error_code: 'upstream_timeout', stream_events: 1 }])
  t.equal(lines.filter(line => line.error_code !== undefined).length, 1)
})

t.test('a source whose destroy throws still gets its error event', async t => {
  const app = await build(t, { requestId: 'req-stream-1', plugin: { preset: 'tokenbay' } })
  let sendError: ((error: unknown) => void) | undefined
  app.get('/stream', streaming, async (_request, reply) => {
    sendError = error => { reply.sendError(error) }
    return reply.type(sse).send(pipeable(['data: {"n":1}\n\n'], waitForever, { destroy: () => { throw new Error('already closed') } }))
  })
  const url = await listen(t, app)
  const response = await fetch(`${url}/stream`)
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  await reader.read()
  sendError?.(new ApiError('bad_gateway'))
  let rest = ''
  for (let chunk = await reader.read(); chunk.done !== true; chunk = await reader.read()) rest += Buffer.from(chunk.value).toString()
  t.match(events(rest), [{ data: /"code":"bad_gateway"/ }])
})

t.test('a source that fails with undefined before the first byte gets the internal error\'s answer, not an empty 200', async t => {
  const app = await build(t, { requestId: 'req-stream-1', plugin: { preset: 'tokenbay' } })
  // eslint-disable-next-line prefer-promise-reject-errors
  app.get('/stream', streaming, async (_request, reply) => reply.type(sse).send(pipeable([], async () => await Promise.reject(undefined))))
  const url = await listen(t, app)
  const response = await fetch(`${url}/stream`)
  t.equal(response.status, 500)
  t.same(await response.json(), { error: { message: 'Internal Server Error', type: 'server_error', code: 'internal_error' } })
})

t.test('a client that leaves while an async mapError works on the stream\'s error: nothing is written, the server goes on', async t => {
  let mapping: () => void = () => {}
  const mapped = new Promise<void>(resolve => { mapping = resolve })
  let release: () => void = () => {}
  const gate = new Promise<void>(resolve => { release = resolve })
  let mappedError: unknown
  const mapError = async (error: unknown): Promise<unknown> => {
    mapping()
    await gate
    mappedError = error
    return error
  }
  const app = await build(t, { requestId: 'req-stream-1', plugin: { preset: 'tokenbay', mapError } })
  const source = new PassThrough()
  let responseClosed: Promise<unknown> | undefined
  app.get('/stream', streaming, async (_request, reply) => {
    responseClosed = once(reply.raw, 'close')
    source.write('data: {"n":1}\n\n')
    setImmediate(() => source.destroy(new ApiError('bad_gateway')))
    return reply.type(sse).send(source)
  })
  app.get('/ok', async () => ({ ok: true }))
  const url = await listen(t, app)
  const controller = new AbortController()
  const response = await fetch(`${url}/stream`, { signal: controller.signal })
  await (response.body as ReadableStream<Uint8Array>).getReader().read()
  await mapped
  controller.abort()
  await responseClosed
  release()
  t.same(await (await fetch(`${url}/ok`)).json(), { ok: true }, 'the server still answers')
  t.match(mappedError, { code: 'bad_gateway' }, 'the mapper had its say')
})

t.test('a Response object on a streaming route is sent as Fastify sends it', async t => {
  const app = await build(t, { plugin: { preset: 'tokenbay' } })
  app.get('/stream', streaming, async () => new Response('data: {"n":1}\n\ndata: [DONE]\n\n', { headers: { 'content-type': sse } }))
  const response = await fetch(`${await listen(t, app)}/stream`)
  t.match(response.headers.get('content-type'), /^text\/event-stream/)
  t.equal(await response.text(), 'data: {"n":1}\n\ndata: [DONE]\n\n')
})

t.test('CRLF line ends and an event cut after a field: the events are counted right and the error event stays its own', async t => {
  const { stream, lines } = logCapture()
  const app = await build(t, { requestId: 'req-stream-1', plugin: { preset: 'genai' }, server: { logger: { level: 'info', stream } } })
  // One whole event with CRLFs, then the field of an event that never gets its blank line.
  app.get('/stream', streaming, async (_request, reply) => reply.type(sse).send(Readable.from(failing(new ApiError('SERVICE_UNAVAILABLE'), ['data: {"n":1}\r\n\r\n', 'data: {"n":2}\n']))))
  const text = await (await fetch(`${await listen(t, app)}/stream`)).text()
  t.match(text, /^data: \{"n":1\}\r\n\r\ndata: \{"n":2\}\n\nevent: error\ndata: /, 'the open event is closed before the error event')
  t.match(JSON.parse(events(text).at(-1)?.data ?? ''), { success: false, error: { code: 'SERVICE_UNAVAILABLE' } })
  t.match(lines.filter(line => line.error_code !== undefined), [{ error_code: 'SERVICE_UNAVAILABLE', stream_events: 1 }], 'the cut event is not counted as sent')
})

t.test('a streaming route that sends a stream without a content type is left as Fastify sends it', async t => {
  const app = await build(t, { plugin: { preset: 'genai' } })
  app.get('/stream', streaming, async (_request, reply) => reply.send(Readable.from(['a', 'b'])))
  const response = await fetch(`${await listen(t, app)}/stream`)
  t.equal(response.headers.get('content-type'), null, 'no type given, none invented')
  t.equal(await response.text(), 'ab')
})

t.test('an event stream of objects, not bytes: the ordinary internal error answer, before the head', async t => {
  const app = await build(t, { plugin: { preset: 'genai' } })
  app.get('/stream', streaming, async (_request, reply) => reply.type(sse).send(Readable.from([{ data: 1 }])))
  const response = await fetch(`${await listen(t, app)}/stream`)
  t.equal(response.status, 500)
  t.match(await response.json(), { success: false, error: { code: 'INTERNAL_ERROR' } })
})
