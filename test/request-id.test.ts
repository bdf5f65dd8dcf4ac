import type { IncomingMessage } from 'node:http'
import Fastify from 'fastify'
import t from 'tap'
import errorEnvelope, { ApiError, requestIdOptions } from '../src/index.js'
import { generateRequestId } from '../src/request-id.js'
import { testServerOptions } from '../src/testing.js'
import { build, logCapture, type Teardown } from './helper.js'

const generated = /^req_[0-9a-f]{32}$/

async function app (t: Teardown, server = {}): ReturnType<typeof build> {
  const instance = await build(t, { server })
  instance.get('/ok', async (request) => ({ id: request.id }))
  instance.get('/fail', async () => { throw new ApiError('JOB_NOT_FOUND') })
  return instance
}

t.test('generateRequestId() is req_ and 32 hex digits, new every time', async t => {
  const ids = new Set<string>()
  for (let i = 0; i < 100; i++) {
    const id = generateRequestId()
    t.match(id, generated)
    ids.add(id)
  }
  t.equal(ids.size, 100)
})

t.test('a valid incoming X-Request-Id is kept and echoed', async t => {
  const server = await app(t)
  const valid = ['abc', 'A', 'req-123', 'trace.id:42_x-Y', '0'.repeat(128), 'a.b:c-d_e', '550e8400-e29b-41d4-a716-446655440000']
  for (const id of valid) {
    const fail = await server.inject({ url: '/fail', headers: { 'x-request-id': id } })
    t.equal(fail.statusCode, 404)
    t.equal(fail.headers['x-request-id'], id, `header keeps ${id.slice(0, 20)}`)
    t.equal(fail.json().request_id, id, 'body keeps it')
    const ok = await server.inject({ url: '/ok', headers: { 'X-Request-Id': id } })
    t.equal(ok.statusCode, 200)
    t.equal(ok.headers['x-request-id'], id, 'success response keeps it')
    t.equal(ok.json().id, id, 'request.id is it')
  }
})

t.test('a missing, oversized or malformed X-Request-Id is replaced', async t => {
  const server = await app(t)
  const invalid: Array<[string, string | undefined]> = [
    ['missing', undefined],
    ['empty', ''],
    ['129 characters', 'a'.repeat(129)],
    ['a space', 'abc def'],
    ['a double quote', 'abc"def'],
    ['a single quote', "abc'def"],
    ['non-ASCII', 'abcé'],
    ['a slash', 'abc/def'],
    ['a tab', 'abc\tdef'],
    ['script', '<script>alert(1)</script>']
  ]
  for (const [name, id] of invalid) {
    const headers = id === undefined ? {} : { 'x-request-id': id }
    const fail = await server.inject({ url: '/fail', headers })
    t.equal(fail.statusCode, 404, name)
    t.match(fail.headers['x-request-id'], generated, `${name}: generated id in the header`)
    t.equal(fail.json().request_id, fail.headers['x-request-id'], `${name}: body equals header`)
    const ok = await server.inject({ url: '/ok', headers })
    t.match(ok.headers['x-request-id'], generated, `${name}: success response too`)
    t.equal(ok.json().id, ok.headers['x-request-id'])
  }
})

t.test('an X-Request-Id with CR/LF is replaced', async t => {
  const server = await app(t)
  for (const id of ['abc\r\ndef', 'abc\ndef', 'abc\rdef']) {
    const res = await server.inject({ url: '/fail', headers: { 'x-request-id': id } })
    t.equal(res.statusCode, 404)
    t.match(res.headers['x-request-id'], generated)
    t.equal(res.json().request_id, res.headers['x-request-id'])
  }
  // The same through genReqId directly, as Node would hand a raw header over.
  const { genReqId } = requestIdOptions()
  t.match(genReqId({ headers: { 'x-request-id': 'abc\r\ndef' } } as any), generated)
  t.match(genReqId({ headers: { 'x-request-id': ['a', 'b'] } } as any), generated, 'a repeated header is not one id')
})

t.test('successes and errors each carry a fresh id', async t => {
  const server = await app(t)
  const a = await server.inject('/ok')
  const b = await server.inject('/ok')
  const c = await server.inject('/nowhere')
  t.match(a.headers['x-request-id'], generated)
  t.not(a.headers['x-request-id'], b.headers['x-request-id'])
  t.equal(c.statusCode, 404)
  t.match(c.headers['x-request-id'], generated)
  t.equal(c.json().request_id, c.headers['x-request-id'])
})

t.test('header: reads the id from another request header', async t => {
  const server = await app(t, requestIdOptions({ header: 'X-Correlation-Id' }))
  let res = await server.inject({ url: '/fail', headers: { 'x-correlation-id': 'corr-1' } })
  t.equal(res.headers['x-request-id'], 'corr-1', 'answered in X-Request-Id')
  t.equal(res.json().request_id, 'corr-1')
  res = await server.inject({ url: '/fail', headers: { 'x-request-id': 'not-this-one' } })
  t.match(res.headers['x-request-id'], generated, 'X-Request-Id is no longer read')
  res = await server.inject({ url: '/ok', headers: { 'x-correlation-id': 'bad id' } })
  t.match(res.headers['x-request-id'], generated, 'and an invalid one is still replaced')
})

t.test('generate: makes the ids', async t => {
  let n = 0
  const server = await app(t, requestIdOptions({ generate: () => `test-${++n}` }))
  let res = await server.inject('/fail')
  t.equal(res.headers['x-request-id'], 'test-1')
  t.equal(res.json().request_id, 'test-1')
  res = await server.inject('/ok')
  t.equal(res.headers['x-request-id'], 'test-2')
  res = await server.inject({ url: '/ok', headers: { 'x-request-id': 'client-id' } })
  t.equal(res.headers['x-request-id'], 'client-id', 'an incoming id still wins')
  t.equal(n, 2, 'generate is not called when the client sent a valid id')
})

t.test('the helper\'s fixed id goes through generate', async t => {
  const server = await build(t, { requestId: 'req_fixed' })
  server.get('/', async () => { throw new ApiError('JOB_EXPIRED') })
  const res = await server.inject('/')
  t.equal(res.headers['x-request-id'], 'req_fixed')
  t.equal(res.json().request_id, 'req_fixed')
})

t.test('generate returning an invalid id falls back to req_…', async t => {
  const bad: Array<() => unknown> = [() => 'has space', () => '', () => 'x'.repeat(129), () => 42, () => undefined, () => 'bad\r\nid']
  for (const generate of bad) {
    const server = await app(t, requestIdOptions({ generate: generate as () => string }))
    const res = await server.inject('/fail')
    t.equal(res.statusCode, 404)
    t.match(res.headers['x-request-id'], generated)
    t.equal(res.json().request_id, res.headers['x-request-id'])
  }
})

t.test('generate that is not a function throws a TypeError', async t => {
  t.throws(() => requestIdOptions({ generate: 5 as unknown as () => string }), TypeError)
  t.throws(() => requestIdOptions({ generate: 'req' as unknown as () => string }), { name: 'TypeError', message: /generate/ })
  t.throws(() => requestIdOptions({ generate: 'req' as unknown as () => string }), { message: "fastify-error-envelope: option 'requestIdOptions().generate' expects a function returning an id, instead got 'req'" }, 'worded as every option error')
  t.throws(() => requestIdOptions({ headr: 'x-id' } as never), { message: "fastify-error-envelope: unknown option 'requestIdOptions().headr', did you mean 'header'?" }, 'a typo is told')
  t.throws(() => requestIdOptions({ header: 'x id' }), { name: 'TypeError', message: /requestIdOptions\(\)\.header/ }, 'a header name Node would refuse')
})

t.test('without requestIdOptions the plugin still sets X-Request-Id', async t => {
  const server = Fastify()
  await server.register(errorEnvelope)
  server.get('/ok', async () => 'ok')
  server.get('/fail', async () => { throw new ApiError('JOB_NOT_FOUND') })
  const ok = await server.inject('/ok')
  t.match(ok.headers['x-request-id'], /^req-\d+$/, 'Fastify\'s own id')
  const fail = await server.inject('/fail')
  t.equal(fail.statusCode, 404)
  t.match(fail.headers['x-request-id'], /^req-\d+$/)
  t.equal(fail.json().request_id, fail.headers['x-request-id'], 'body equals header')
  t.not(fail.headers['x-request-id'], ok.headers['x-request-id'])
  const missing = await server.inject('/nowhere')
  t.equal(missing.statusCode, 404)
  t.equal(missing.json().request_id, missing.headers['x-request-id'])
})

t.test('the requestIdHeader plugin option names the response header', async t => {
  const server = await build(t, { plugin: { requestIdHeader: 'X-Trace-Id' }, requestId: 'req_fixed' })
  server.get('/', async () => { throw new ApiError('JOB_EXPIRED') })
  const res = await server.inject('/')
  t.equal(res.headers['x-trace-id'], 'req_fixed')
  t.equal(res.json().request_id, 'req_fixed')
})

t.test('without requestIdOptions the plugin warns once, at ready, that ids are req-1, req-2, …', async t => {
  const { stream, lines } = logCapture()
  const server = Fastify({ logger: { level: 'info', stream } })
  await server.register(errorEnvelope)
  // A second registration in a child context: still one line for the server.
  await server.register(async function child (scope) { await scope.register(errorEnvelope) }, { prefix: '/v2' })
  t.same(lines.filter(l => l.level === 40), [], 'nothing before ready')
  await server.ready()
  const warnings = lines.filter(l => l.level === 40)
  t.equal(warnings.length, 1, 'one line')
  t.match(warnings[0]?.msg, /requestIdOptions\(\)/, 'naming requestIdOptions()')
  t.match(warnings[0]?.msg, /req-1, req-2/, 'saying what the ids are')
  t.match(warnings[0]?.msg, /X-Request-Id/, 'and that an incoming id is ignored')
  t.match(warnings[0]?.msg, /request_id/, 'and what requestIdOptions() gives')
  await server.close()
})

t.test('no warning with requestIdOptions(), testServerOptions() or a genReqId of the app\'s own', async t => {
  const servers: Array<[string, object]> = [
    ['requestIdOptions()', requestIdOptions()],
    ['requestIdOptions({ generate })', requestIdOptions({ generate: () => 'x' })],
    ['testServerOptions()', testServerOptions()],
    ['own genReqId', { genReqId: () => 'mine' }]
  ]
  for (const [name, options] of servers) {
    const { stream, lines } = logCapture()
    const server = Fastify({ logger: { level: 'info', stream }, ...options })
    await server.register(errorEnvelope)
    await server.ready()
    t.same(lines.filter(l => l.level === 40), [], name)
    await server.close()
  }
})

t.test('requestIdOptions() given anything but an object throws a TypeError naming it', async t => {
  for (const bad of ['x-id', null, ['x-id'], 5]) {
    t.throws(() => requestIdOptions(bad as never), { name: 'TypeError', message: /option 'requestIdOptions\(\)' expects \{ header\?, generate\?, traceparent\?, logLabel\? \}, instead got/ }, String(bad))
  }
})

// traceparent: true (W3C Trace Context). test/request-id-traceparent.test.ts checks the same rules on generated headers.

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
const parentId = '00f067aa0ba902b7'
const { genReqId: traceparentGenReqId } = requestIdOptions({ traceparent: true })
const idFor = (headers: Record<string, unknown>): string => traceparentGenReqId({ headers } as unknown as IncomingMessage)

t.test('traceparent: a valid header gives its trace id; one that breaks a rule of the W3C spec gives a new id', async t => {
  const server = await app(t, requestIdOptions({ traceparent: true }))
  const cases: Array<[string, string, string | RegExp]> = [
    ['version 00', `00-${traceId}-${parentId}-01`, traceId],
    ['a later version, read as 00', `01-${traceId}-${parentId}-00`, traceId],
    ['a later version with more fields after it', `cc-${traceId}-${parentId}-01-what-comes-next`, traceId],
    ['version ff, which is never valid', `ff-${traceId}-${parentId}-01`, generated],
    ['version 00 with more fields after it', `00-${traceId}-${parentId}-01-00`, generated],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${parentId}-01`, generated],
    ['an all-zero parent id', `00-${traceId}-${'0'.repeat(16)}-01`, generated],
    ['an uppercase trace id', `00-${traceId.toUpperCase()}-${parentId}-01`, generated],
    ['not the four fields', 'junk', generated]
  ]
  for (const [name, traceparent, expected] of cases) {
    const res = await server.inject({ url: '/fail', headers: { traceparent } })
    if (typeof expected === 'string') t.equal(res.headers['x-request-id'], expected, `${name}: its trace id`)
    else t.match(res.headers['x-request-id'], expected, `${name}: a new id`)
    t.equal(res.json().request_id, res.headers['x-request-id'], `${name}: the body says the same`)
  }
})

t.test("the client's own X-Request-Id wins over traceparent; without the option traceparent is not read", async t => {
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
  t.equal(idFor({ traceparent, 'x-request-id': 'mine-1' }), 'mine-1')
  t.equal(idFor({ traceparent, 'x-request-id': 'not valid!' }), '4bf92f3577b34da6a3ce929d0e0e4736', 'an invalid own id is no id')
  t.match(requestIdOptions().genReqId({ headers: { traceparent } } as unknown as IncomingMessage), generated)
  let n = 0
  const custom = requestIdOptions({ traceparent: true, generate: () => `id-${++n}` }).genReqId
  t.equal(custom({ headers: { traceparent: 'junk' } } as unknown as IncomingMessage), 'id-1', 'no trace id: the generator')
  const broken = requestIdOptions({ traceparent: true, generate: () => 'not an id!' }).genReqId
  t.match(broken({ headers: {} } as unknown as IncomingMessage), generated, "a generator's invalid id is replaced by one of ours, as without traceparent")
})

t.test('requestIdOptions().traceparent must be a boolean', async t => {
  t.throws(() => requestIdOptions({ traceparent: 'yes' as unknown as boolean }), {
    name: 'TypeError',
    message: "fastify-error-envelope: option 'requestIdOptions().traceparent' expects a boolean, instead got 'yes'"
  })
  t.throws(() => requestIdOptions({ traceparnt: true } as never), { message: /did you mean 'traceparent'/ })
})
