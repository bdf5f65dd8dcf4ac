/**
 * The error handler's edges (src/handler.ts): a hook that broke the request's url, a reply sent
 * while an async mapError ran, list-valued headers, a logger that throws, values even
 * Object.keys cannot read, and log lines when redaction is off.
 */
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import Fastify from 'fastify'
import errorEnvelope, { ApiError, requestIdOptions } from '../src/index.js'
import { build, fixedNow, logCapture, type BuildOptions, type Teardown } from './helper.js'

t.test("a hook that cleared the raw request's url still gets an envelope, its instance '/'", async t => {
  const app = await build(t, { plugin: { preset: 'problem' } })
  app.get('/broken', {
    onRequest: async request => {
      request.raw.url = undefined
      throw new ApiError('NOT_FOUND')
    }
  }, async () => 'unreached')
  const res = await app.inject('/broken')
  t.equal(res.statusCode, 404)
  t.equal(res.json().instance, '/')
})

t.test('a reply the route sent while an async mapError ran is left as it is: no second answer', async t => {
  const logs = logCapture()
  const app = await build(t, {
    server: { logger: { level: 'info', stream: logs.stream } },
    plugin: { mapError: async err => { await sleep(50); return err } }
  })
  app.get('/', (_request, reply) => {
    setTimeout(() => { reply.send({ ok: true }) }, 5)
    throw new Error('thrown before the reply was sent')
  })
  const res = await app.inject('/')
  t.same(res.json(), { ok: true })
  await sleep(100)
  t.notOk(logs.lines.some(line => /already sent/i.test(String(line.msg))), 'no attempt to answer twice')
})

t.test('a list-valued header on the reply is sent with every value; a list with a value Node refuses is dropped whole', async t => {
  const app = await build(t)
  app.get('/kept', async (_request, reply) => {
    reply.header('x-trace', ['a', 'b'])
    throw new ApiError('JOB_NOT_FOUND')
  })
  app.get('/dropped', async (_request, reply) => {
    reply.header('x-trace', ['a', 'snow\u2603man'])
    throw new ApiError('JOB_NOT_FOUND')
  })
  const kept = await app.inject('/kept')
  t.equal(kept.statusCode, 404)
  t.same(kept.headers['x-trace'], ['a', 'b'])
  const dropped = await app.inject('/dropped')
  t.equal(dropped.statusCode, 404)
  t.equal(dropped.headers['x-trace'], undefined)
})

t.test('a header value that has no text (its toString throws) is dropped like one Node refuses', async t => {
  const app = await build(t)
  app.get('/', async (_request, reply) => {
    reply.header('x-trace', { toString () { throw new Error('no text') } })
    reply.header('x-kept', 'yes')
    throw new ApiError('JOB_NOT_FOUND')
  })
  const res = await app.inject('/')
  t.equal(res.statusCode, 404)
  t.equal(res.json().error_code, 'JOB_NOT_FOUND')
  t.equal(res.headers['x-trace'], undefined)
  t.equal(res.headers['x-kept'], 'yes')
})

t.test('a logger that throws while a refused header is dropped does not keep the request from its answer', async t => {
  const lines: string[] = []
  const logger = {
    level: 'info',
    info: () => {},
    warn: () => {},
    debug: () => {},
    trace: () => {},
    fatal: () => {},
    error: (...args: unknown[]) => {
      if (JSON.stringify(args).includes('refuses to write')) throw new Error('logger down')
      lines.push(JSON.stringify(args))
    },
    child () { return this }
  }
  const app = Fastify({ ...requestIdOptions(), loggerInstance: logger as never })
  t.teardown(() => app.close())
  await app.register(errorEnvelope, { now: fixedNow })
  app.get('/', async (_request, reply) => {
    reply.header('x-bad', 'snow\u2603man')
    throw new ApiError('JOB_NOT_FOUND')
  })
  const res = await app.inject('/')
  t.equal(res.statusCode, 404)
  t.equal(res.headers['x-bad'], undefined)
})

t.test('a thrown value whose keys cannot be listed is answered and logged with its message', async t => {
  const logs = logCapture()
  const app = await build(t, { server: { logger: { level: 'info', stream: logs.stream } } })
  const hostile = new Proxy(new Error('proxy failure'), {
    ownKeys () { throw new Error('no keys for you') }
  })
  app.get('/', async () => { throw hostile })
  const res = await app.inject('/')
  t.equal(res.statusCode, 500)
  const line = logs.lines.find(l => l.level === 50 && l.err !== undefined)
  t.equal(line?.err?.message, 'proxy failure')
})

t.test('a cause that cannot be read at all is logged as unreadable, beside the error that carries it', async t => {
  const logs = logCapture()
  const app = await build(t, { server: { logger: { level: 'info', stream: logs.stream } } })
  const trap = (): never => { throw new Error('trap') }
  // Even `instanceof` throws on it: it asks for the prototype.
  const cause = new Proxy({}, { get: trap, getPrototypeOf: trap, ownKeys: trap, getOwnPropertyDescriptor: trap, has: trap })
  app.get('/', async () => { throw new Error('the job store failed', { cause }) })
  const res = await app.inject('/')
  t.equal(res.statusCode, 500)
  const line = logs.lines.find(l => l.level === 50 && l.err !== undefined)
  t.equal(line?.err?.message, 'the job store failed')
  t.equal(line?.err?.cause, '[Unreadable]', 'the cause is named, not dropped, and the line is still written')
})

/** The log lines, as text, of an error and a thrown string that both quote a credential. */
async function loggedCredentials (t: Teardown, plugin: BuildOptions['plugin']): Promise<string> {
  const logs = logCapture()
  const app = await build(t, { plugin, server: { logger: { level: 'info', stream: logs.stream } } })
  app.get('/error', async () => { throw new Error('upstream said Bearer abc123DEF456ghi') })
  app.get('/string', async () => { throw 'upstream said Bearer xyz789UVW012rst' })  // eslint-disable-line no-throw-literal
  await app.inject('/error')
  await app.inject('/string')
  return JSON.stringify(logs.lines)
}

t.test('with redact: false, log lines keep credential-looking text of an error and of a thrown string', async t => {
  const text = await loggedCredentials(t, { redact: false })
  t.match(text, 'Bearer abc123DEF456ghi')
  t.match(text, 'Bearer xyz789UVW012rst')
  t.notMatch(text, '[Redacted]')
})

t.test('with the default redaction the same log lines hide the credentials', async t => {
  const text = await loggedCredentials(t, undefined)
  t.notMatch(text, 'abc123DEF456ghi')
  t.notMatch(text, 'xyz789UVW012rst')
})
