// Request ids on every path a response can take, and what the cheaper id generator and child
// logger factory must keep: unique, unguessable ids and request_id on every log line.
import { createRequire } from 'node:module'
import Fastify, { type InjectOptions } from 'fastify'
import t from 'tap'
import errorEnvelope, { ApiError, requestIdOptions } from '../src/index.js'
import { generateRequestId } from '../src/request-id.js'
import { build, logCapture } from './helper.js'

const generated = /^req_[0-9a-f]{32}$/

t.test('every response carries X-Request-Id, equal to the body\'s id where there is one', async t => {
  const { stream, lines } = logCapture()
  const app = await build(t, { server: { logger: { level: 'info', stream } } })
  app.get('/ok', async (request) => ({ id: request.id }))
  app.get('/fail', async () => { throw new ApiError('JOB_NOT_FOUND') })
  app.post('/json', async () => ({ ok: true }))
  // A route whose own onRequest hook answers before the handler.
  app.get('/early', { onRequest: async (request, reply) => reply.code(401).send({ early: request.id }) }, async () => 'never')
  app.get('/early-callback', {
    onRequest: (request, reply, done) => { reply.code(403).send({ early: request.id }); done() }
  }, async () => 'never')
  // A route of an encapsulated child plugin, with a hook and an error handler of its own.
  await app.register(async function child (scope) {
    scope.addHook('onRequest', async (_request, reply) => { reply.header('x-child', '1') })
    scope.get('/child', async (request) => ({ id: request.id }))
    scope.get('/child-fail', async () => { throw new ApiError('JOB_EXPIRED') })
  }, { prefix: '/scope' })
  await app.register(async function ownHandler (scope) {
    scope.setErrorHandler(async (error, _request, reply) => reply.sendError(error))
    scope.get('/own', async () => { throw new ApiError('JOB_NOT_FOUND') })
  })

  const cases: Array<[string, InjectOptions, number, (body: any) => unknown]> = [
    ['success', { url: '/ok' }, 200, b => b.id],
    ['thrown error', { url: '/fail' }, 404, b => b.request_id],
    ['no route', { url: '/nowhere' }, 404, b => b.request_id],
    ['wrong content type', { method: 'POST', url: '/json', headers: { 'content-type': 'text/x-nothing' }, payload: 'x' }, 415, b => b.request_id],
    ['malformed JSON', { method: 'POST', url: '/json', headers: { 'content-type': 'application/json' }, payload: '{' }, 400, b => b.request_id],
    ['async onRequest hook replies early', { url: '/early' }, 401, b => b.early],
    ['callback onRequest hook replies early', { url: '/early-callback' }, 403, b => b.early],
    ['encapsulated child route', { url: '/scope/child' }, 200, b => b.id],
    ['encapsulated child error', { url: '/scope/child-fail' }, 410, b => b.request_id],
    ['own error handler hands back', { url: '/own' }, 404, b => b.request_id]
  ]
  const seen = new Set<string>()
  for (const [name, request, status, idOf] of cases) {
    const res = await app.inject(request)
    t.equal(res.statusCode, status, `${name}: status`)
    const header = res.headers['x-request-id']
    t.match(header, generated, `${name}: X-Request-Id`)
    t.equal(idOf(res.json()), header, `${name}: the body's id is the header's`)
    t.notOk(seen.has(header as string), `${name}: a fresh id`)
    seen.add(header as string)
    // With a valid incoming id: kept on the same path.
    const kept = await app.inject({ ...request, headers: { ...request.headers, 'x-request-id': `client-${seen.size}` } })
    t.equal(kept.headers['x-request-id'], `client-${seen.size}`, `${name}: an incoming id is kept`)
    t.equal(idOf(kept.json()), `client-${seen.size}`, `${name}: and is the body's`)
  }
  t.equal((await app.inject('/scope/child')).headers['x-child'], '1', 'the child\'s own hook still runs')
  // Every request's log lines carry its id as request_id, and no reqId.
  t.ok(lines.length >= cases.length * 2)
  for (const line of lines) {
    if (line.req === undefined && line.res === undefined) continue
    t.match(line.request_id, /^(req_[0-9a-f]{32}|client-\d+)$/, `log line "${String(line.msg)}" carries request_id`)
    t.notOk('reqId' in line, 'and no reqId')
  }
})

t.test('a hijacked reply can still read its id from the reply', async t => {
  const app = await build(t)
  app.get('/raw', async (request, reply) => {
    reply.hijack()
    reply.raw.writeHead(200, { 'x-request-id': String(reply.getHeader('x-request-id')), 'content-type': 'text/plain' })
    reply.raw.end(request.id)
  })
  const res = await app.inject('/raw')
  t.match(res.headers['x-request-id'], generated)
  t.equal(res.payload, res.headers['x-request-id'])
})

t.test('ids are unique across many requests and pool refills', async t => {
  const ids = new Set<string>()
  const n = 20_000   // about 20 refills of the 1024-id pool
  for (let i = 0; i < n; i++) ids.add(generateRequestId())
  t.equal(ids.size, n)
  for (const id of ids) if (!generated.test(id)) t.fail(`bad id ${id}`)
  const app = await build(t)
  app.get('/ok', async () => 'ok')
  const served = new Set<string>()
  for (let i = 0; i < 600; i++) served.add((await app.inject('/ok')).headers['x-request-id'] as string)
  t.equal(served.size, 600, 'every response a new id')
})

t.test('an id says nothing about the next one', async t => {
  // Consecutive ids are independent 128-bit draws: about half their bits differ (not a counter,
  // not a shared prefix), and every hex digit takes all 16 values at every position.
  const bits = (hex: string): bigint => BigInt('0x' + hex.slice(4))
  const popcount = (x: bigint): number => x.toString(2).split('').filter(c => c === '1').length
  let previous = generateRequestId()
  const distances: number[] = []
  const digits = Array.from({ length: 32 }, () => new Set<string>())
  let successors = 0
  for (let i = 0; i < 2000; i++) {
    const id = generateRequestId()
    distances.push(popcount(bits(id) ^ bits(previous)))
    if (bits(id) === bits(previous) + 1n) successors++
    for (let d = 0; d < 32; d++) digits[d]?.add(id[4 + d] as string)
    previous = id
  }
  t.equal(successors, 0, 'no id is the previous one plus one')
  const mean = distances.reduce((a, b) => a + b, 0) / distances.length
  t.ok(mean > 60 && mean < 68, `mean bit distance ${mean.toFixed(1)} is about 64`)
  t.ok(Math.min(...distances) > 25, 'no two consecutive ids are close')
  t.ok(digits.every(d => d.size === 16), 'every position takes every hex digit')
  // The first 16 hex digits (a prefix) change too: no per-process prefix.
  t.not(generateRequestId().slice(0, 20), generateRequestId().slice(0, 20))
})

t.test('the child logger factory renames reqId and keeps other bindings', async t => {
  const { childLoggerFactory } = requestIdOptions()
  const calls: unknown[] = []
  const logger = { child: (bindings: unknown, opts: unknown) => { calls.push([bindings, opts]); return logger } } as any
  const server = Fastify()
  childLoggerFactory.call(server, logger, { reqId: 'a' }, {}, {} as any)
  childLoggerFactory.call(server, logger, { reqId: 'b', tenant: 't1' }, { level: 'warn' }, {} as any)
  childLoggerFactory.call(server, logger, { other: 1 }, {}, {} as any)
  t.same(calls, [
    [{ request_id: 'a' }, {}],
    [{ request_id: 'b', tenant: 't1' }, { level: 'warn' }],
    [{ other: 1 }, {}]
  ])
  t.same(Object.keys((calls[1] as [object])[0]), ['request_id', 'tenant'], 'request_id first, as before')
})

t.test('a real pino logger: request_id on the app\'s and the plugin\'s lines, logging to a level', async t => {
  const { stream, lines } = logCapture()
  const app = Fastify({ logger: { level: 'info', stream }, ...requestIdOptions() })
  await app.register(errorEnvelope)
  app.get('/ok', async (request) => { request.log.info('handler line'); return 'ok' })
  app.get('/fail', { logLevel: 'warn' }, async () => { throw new ApiError('JOB_NOT_FOUND') })
  const ok = await app.inject('/ok')
  const mine = lines.filter(l => l.request_id === ok.headers['x-request-id'])
  t.same(mine.map(l => l.msg), ['incoming request', 'handler line', 'request completed'])
  lines.length = 0
  const fail = await app.inject('/fail')
  t.equal(fail.statusCode, 404)
  t.same(lines, [], 'a route\'s logLevel still applies (no info lines)')
  await app.close()
})

t.test('the plugin gives Fastify its own child logger factory back: no child per request with logging off, no check of each child with logging on', async t => {
  const { defaultChildLoggerFactory } = createRequire(import.meta.url)('fastify/lib/logger-factory.js') as { defaultChildLoggerFactory: unknown }
  const off = Fastify({ ...requestIdOptions() })
  t.teardown(() => off.close())
  await off.register(errorEnvelope)
  t.equal(off.childLoggerFactory, defaultChildLoggerFactory, 'Fastify\'s own factory, which it skips when logging is off')
  off.get('/ok', async (request) => { request.log.info('nothing to see'); return { id: request.id } })
  const ok = await off.inject('/ok')
  t.equal(ok.headers['x-request-id'], ok.json().id, 'the id is still the header\'s and the request\'s')
  t.match(ok.headers['x-request-id'], generated)

  // Logging on: the field is still request_id. A factory of the app's own is left as it is.
  const { stream, lines } = logCapture()
  const on = Fastify({ logger: { level: 'info', stream }, ...requestIdOptions() })
  t.teardown(() => on.close())
  await on.register(errorEnvelope)
  t.equal(on.childLoggerFactory, defaultChildLoggerFactory, 'logging on: Fastify\'s own factory too, the id\'s field named by its log controller')
  on.get('/ok', async () => 'ok')
  const res = await on.inject('/ok')
  t.ok(lines.length >= 2 && lines.every(l => l.request_id === res.headers['x-request-id'] && !('reqId' in l)), 'log lines carry request_id')

  const own: typeof defaultChildLoggerFactory = function own (this: unknown, logger: any, bindings: object, opts: object) { return logger.child(bindings, opts) }
  const custom = Fastify({ ...requestIdOptions(), childLoggerFactory: own as never })
  t.teardown(() => custom.close())
  await custom.register(errorEnvelope)
  t.equal(custom.childLoggerFactory, own, 'the app\'s own factory is kept')
})
