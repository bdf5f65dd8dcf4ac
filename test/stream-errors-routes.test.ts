import { request as httpRequest } from 'node:http'
import { PassThrough, Readable, pipeline } from 'node:stream'
import { constants, createGzip } from 'node:zlib'
import fastifySSEModule from '@fastify/sse'
import type { onSendHookHandler, RouteShorthandOptions } from 'fastify'
import t, { type Test } from 'tap'
import { ApiError } from '../src/index.js'
import { build, logCapture } from './helper.js'
import { events, failing, listen, ndjson, serve, sse } from './stream-helper.js'

// Which routes the stream guard is on (docs/guides/streams.md, "Which routes are guarded"): the routes that say
// they stream. Every other route runs no onSend hook of the plugin, so its success path pays nothing for streams.

// A CommonJS module: at run time its default import is the plugin itself, which its types call `default`.
const fastifySSE = fastifySSEModule as unknown as typeof fastifySSEModule.default

const text = { schema: { type: 'string' } }
const declared: Array<{ way: string, type: string, options: RouteShorthandOptions }> = [
  { way: 'config.stream: true', type: sse, options: { config: { stream: true } } },
  { way: 'schema.response 200 content text/event-stream', type: sse, options: { schema: { response: { 200: { content: { [sse]: text } } } } } },
  { way: 'schema.response 2xx content, JSON or an event stream', type: sse, options: { schema: { response: { '2xx': { content: { 'application/json': { schema: { type: 'object' } }, [sse]: text } } } } } },
  { way: 'schema.response default content application/x-ndjson', type: ndjson, options: { schema: { response: { default: { content: { [ndjson]: text } } } } } }
]

const undeclared: Array<{ way: string, options: RouteShorthandOptions }> = [
  { way: 'nothing said', options: {} },
  { way: 'config.stream: false', options: { config: { stream: false } } },
  { way: 'schema.response with JSON content only', options: { schema: { response: { 200: { content: { 'application/json': { schema: { type: 'object' } } } } } } } },
  { way: 'schema.response without content', options: { schema: { response: { 200: { type: 'object', properties: { content: { type: 'string' } } } } } } },
  { way: 'schema.response with a boolean schema', options: { schema: { response: { 200: true, 404: { type: 'object' } } } } },
  { way: 'sse: false', options: { sse: false } }
]

/** The routes of an app with `options` on `GET /r` (and `@fastify/sse`), with their hooks, as `printRoutes` shows them. */
async function printed (t: Test, options: RouteShorthandOptions): Promise<string> {
  const app = await build(t, { server: { exposeHeadRoutes: false } })
  await app.register(fastifySSE, { heartbeatInterval: 0 })
  app.get('/r', options, async () => 'ok')
  await app.ready()
  return app.printRoutes({ includeHooks: true, commonPrefix: false })
}

for (const { way, type, options } of declared) {
  t.test(`declared by ${way}: a source that fails after the head ends the stream with the error event`, async t => {
    const lines = type === sse ? ['data: {"n":1}\n\n'] : ['{"n":1}\n']
    const { url } = await serve(t, { preset: 'genai' }, () => failing(new ApiError('SERVICE_UNAVAILABLE'), lines), type, options)
    const response = await fetch(`${url}/stream`)
    t.equal(response.status, 200)
    const body = await response.text()
    const last = type === sse ? events(body).at(-1)?.data : body.trimEnd().split('\n').at(-1)
    t.match(JSON.parse(last ?? ''), { success: false, error: { code: 'SERVICE_UNAVAILABLE' } }, body)
    t.match(await printed(t, options), /GET\)\n\s+• \(onSend\) \["guardStreamPayload\(\)"\]/, 'the guard is the route\'s onSend hook')
  })
}

t.test('declared by @fastify/sse: a \'dual\' route that falls back to an NDJSON stream ends it with the error line', async t => {
  const app = await build(t, { plugin: { preset: 'genai' } })
  await app.register(fastifySSE, { heartbeatInterval: 0 })
  app.get('/r', { sse: 'dual' }, async (_request, reply) => {
    return reply.type(ndjson).send(Readable.from(failing(new ApiError('SERVICE_UNAVAILABLE'), ['{"n":1}\n'])))
  })
  const response = await fetch(`${await listen(t, app)}/r`, { headers: { accept: ndjson } })
  const all = (await response.text()).trimEnd().split('\n')
  t.equal(all.length, 2)
  t.match(JSON.parse(all[1] ?? ''), { success: false, error: { code: 'SERVICE_UNAVAILABLE' } })
})

t.test('declared by @fastify/sse: a \'dual\' route asked for JSON that throws gets the ordinary answer, with its status', async t => {
  const app = await build(t, { plugin: { preset: 'genai' } })
  await app.register(fastifySSE, { heartbeatInterval: 0 })
  app.get('/r', { sse: 'dual' }, async () => { throw new ApiError('SERVICE_UNAVAILABLE') })
  const response = await fetch(`${await listen(t, app)}/r`, { headers: { accept: 'application/json' } })
  t.equal(response.status, 503)
  t.match(await response.json(), { success: false, error: { code: 'SERVICE_UNAVAILABLE' } })
})

t.test('the guard comes after the route\'s own onSend hooks, whether one function or an array', async t => {
  const own: onSendHookHandler = function own (_request, _reply, payload, done) { done(null, payload) }
  const stream = { config: { stream: true } }
  t.match(await printed(t, { ...stream, onSend: own }), /\(onSend\) \["own\(\)","guardStreamPayload\(\)"\]/)
  t.match(await printed(t, { ...stream, onSend: [own, own] }), /\(onSend\) \["own\(\)","own\(\)","guardStreamPayload\(\)"\]/)
})

for (const { way, options } of undeclared) {
  t.test(`not declared (${way}): the route has no onSend hook of the plugin`, async t => {
    t.notMatch(await printed(t, options), /onSend/)
  })
}

t.test('not declared: an event stream is delivered as plain Fastify delivers it', async t => {
  async function * fine (): AsyncGenerator<string> {
    yield 'data: {"n":1}\n\n'
    yield 'data: [DONE]\n\n'
  }
  const { url } = await serve(t, { preset: 'tokenbay' }, fine, sse, {})
  const response = await fetch(`${url}/stream`)
  t.equal(response.headers.get('content-type'), sse)
  t.equal(await response.text(), 'data: {"n":1}\n\ndata: [DONE]\n\n')
})

t.test('not declared: a source that fails after the head is cut as plain Fastify cuts it, and the server goes on', async t => {
  const { url, lines } = await serve(t, { preset: 'tokenbay' }, () => failing(new ApiError('bad_gateway')), sse, {})
  await t.rejects((await fetch(`${url}/stream`)).text(), 'the connection is cut')
  t.same(lines.filter(line => line.stream_events !== undefined), [], 'no error event')
  t.equal((await fetch(`${url}/body`)).status, 502, 'the server still answers')
})

t.test('not declared: reply.sendError() after the head is logged as an error after the reply was sent, the stream goes on', async t => {
  const { stream, lines } = logCapture()
  const app = await build(t, { plugin: { preset: 'tokenbay' }, server: { logger: { level: 'info', stream } } })
  const source = new PassThrough()
  let sendError: (error: unknown) => void = () => {}
  app.get('/stream', async (_request, reply) => {
    sendError = error => { reply.sendError(error) }
    source.write('data: {"n":1}\n\n')
    return reply.type(sse).send(source)
  })
  const response = await fetch(`${await listen(t, app)}/stream`)
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  let all = Buffer.from((await reader.read()).value ?? []).toString()
  sendError(new ApiError('bad_gateway'))
  source.end('data: [DONE]\n\n')
  for (let chunk = await reader.read(); chunk.done !== true; chunk = await reader.read()) all += Buffer.from(chunk.value).toString()
  t.equal(all, 'data: {"n":1}\n\ndata: [DONE]\n\n')
  t.match(lines.filter(line => line.level === 50), [{ msg: 'error after the reply was sent' }])
})

t.test('a stream an app\'s onSend hook has compressed is left as Fastify streams it: no plain event after gzip bytes', async t => {
  const app = await build(t, { plugin: { preset: 'tokenbay' } })
  // As a compression plugin does, flushing each event: the guard, a route's hook, runs after it.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (!(payload instanceof Readable)) return payload
    reply.header('content-encoding', 'gzip')
    return pipeline(payload, createGzip({ flush: constants.Z_SYNC_FLUSH }), () => {})
  })
  const source = new PassThrough()
  app.get('/stream', { config: { stream: true } }, async (_request, reply) => {
    source.write('data: {"n":1}\n\n')
    return reply.type(sse).send(source)
  })
  const { port } = new URL(await listen(t, app))
  const raw = await new Promise<Buffer>(resolve => {
    const chunks: Buffer[] = []
    httpRequest({ host: '127.0.0.1', port, path: '/stream' }, response => {
      // The source fails once the first event is on the wire.
      response.once('data', () => { source.destroy(new ApiError('bad_gateway')) })
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('error', () => {})
      response.on('close', () => { resolve(Buffer.concat(chunks)) })
    }).end()
  })
  t.equal(raw[0], 0x1f, 'gzip bytes')
  t.notMatch(raw.toString('latin1'), /"error"/, 'no event written in the clear')
})

t.test('config.stream that is not a boolean fails the route\'s registration, naming the route and the option', async t => {
  for (const value of ['yes', 1, null, {}]) {
    const app = await build(t)
    t.throws(() => app.get('/bad', { config: { stream: value as boolean } }, async () => 'ok'), {
      name: 'TypeError',
      message: /option 'config\.stream' of route GET \/bad expects a boolean/
    })
  }
})

// A stream's error event is answered under the route's error contract, as an error body is (docs/guides/route-errors.md, "undeclared").
t.test("a stream route's undeclared code: 'throw' ends the stream with the internal error, 'warn' logs it once", async t => {
  const options = { config: { stream: true, errors: ['MODEL_NOT_FOUND'] } }
  const thrown = await serve(t, { preset: 'genai', undeclared: 'throw' }, () => failing(new ApiError('SERVICE_UNAVAILABLE')), sse, options)
  const last = events(await (await fetch(`${thrown.url}/stream`)).text()).at(-1)?.data
  t.match(JSON.parse(last ?? ''), { success: false, error: { code: 'INTERNAL_ERROR' } }, 'the undeclared code does not reach the client')
  t.match(thrown.lines.find(l => l.level === 50), { error_code: 'INTERNAL_ERROR', msg: /GET \/stream answered 'SERVICE_UNAVAILABLE', which its config\.errors does not declare/ })

  const warned = await serve(t, { preset: 'genai', undeclared: 'warn' }, () => failing(new ApiError('SERVICE_UNAVAILABLE')), sse, options)
  for (let i = 0; i < 2; i++) {
    const again = events(await (await fetch(`${warned.url}/stream`)).text()).at(-1)?.data
    t.match(JSON.parse(again ?? ''), { error: { code: 'SERVICE_UNAVAILABLE' } }, "with 'warn' the answer goes out as it is")
  }
  t.equal(warned.lines.filter(l => l.level === 40 && /does not declare/.test(String(l.msg))).length, 1, 'one warning per route and code')

  const declaredCode = await serve(t, { preset: 'genai', undeclared: 'throw' }, () => failing(new ApiError('MODEL_NOT_FOUND')), sse, options)
  const ok = events(await (await fetch(`${declaredCode.url}/stream`)).text()).at(-1)?.data
  t.match(JSON.parse(ok ?? ''), { error: { code: 'MODEL_NOT_FOUND' } }, 'a declared code goes out as it is')
})
