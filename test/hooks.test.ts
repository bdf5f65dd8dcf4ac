import { get } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import t, { type Test } from 'tap'
import type { FastifyInstance, FastifyReply, FastifyRequest, LightMyRequestResponse } from 'fastify'
import { ApiError } from '../src/index.js'
import { build, logCapture } from './helper.js'

const generatedId = /^req_[0-9a-f]{32}$/

async function setup (t: Test): Promise<{ app: FastifyInstance, lines: Array<Record<string, any>> }> {
  const { stream, lines } = logCapture()
  const app = await build(t, { server: { logger: { level: 'info', stream } } })
  return { app, lines }
}

/** The aitbc body: exactly detail, error_code and request_id, the id equal to the header's. */
function assertFlat (t: Test, res: LightMyRequestResponse, status: number, code: string, what = 'response'): Record<string, unknown> {
  t.equal(res.statusCode, status, `${what}: status`)
  t.match(res.headers['content-type'], /^application\/json/, `${what}: content type`)
  let body: Record<string, unknown> = {}
  t.doesNotThrow(() => { body = res.json() }, `${what}: JSON body`)
  t.same(Object.keys(body).sort(), ['detail', 'error_code', 'request_id'], `${what}: exactly the flat members`)
  t.equal(body.error_code, code, `${what}: code`)
  t.type(body.detail, 'string', `${what}: detail`)
  t.match(res.headers['x-request-id'], generatedId, `${what}: X-Request-Id`)
  t.equal(body.request_id, res.headers['x-request-id'], `${what}: the body's id is the header's`)
  return body
}

/** The two things a hook can fail with: a typed 4xx, and an internal error whose message must not leak. */
const failures = {
  api: { make: () => new ApiError('JOB_EXPIRED'), status: 410, code: 'JOB_EXPIRED' },
  internal: { make: () => new Error('SECRET-hook-internals'), status: 500, code: 'SYSTEM_INTERNAL_ERROR' }
} as const
type FailureKind = keyof typeof failures

const hookNames = ['onRequest', 'preParsing', 'preValidation', 'preHandler', 'preSerialization', 'onSend'] as const
type HookName = typeof hookNames[number]
type Style = 'sync throw' | 'done(err)' | 'async rejection'
const styles: Style[] = ['sync throw', 'done(err)', 'async rejection']

/** A hook of `name` that fails with `make()` the first time it runs for a request, in `style`. */
function failingHook (name: HookName, style: Style, make: () => Error): (...args: any[]) => unknown {
  const failed = new WeakSet<object>()
  // preParsing, preSerialization and onSend get the payload before `done`.
  const withPayload = name === 'preParsing' || name === 'preSerialization' || name === 'onSend'
  const once = (request: FastifyRequest): boolean => {
    if (failed.has(request)) return false
    failed.add(request)
    return true
  }
  if (style === 'async rejection') {
    return withPayload
      ? async (request: FastifyRequest, _reply: FastifyReply, payload: unknown) => { if (once(request)) throw make(); return payload }
      : async (request: FastifyRequest) => { if (once(request)) throw make() }
  }
  if (withPayload) {
    return (request: FastifyRequest, _reply: FastifyReply, payload: unknown, done: (err: Error | null, value?: unknown) => void) => {
      if (!once(request)) return done(null, payload)
      if (style === 'sync throw') throw make()
      done(make())
    }
  }
  return (request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void) => {
    if (!once(request)) return done()
    if (style === 'sync throw') throw make()
    done(make())
  }
}

t.test('an error in every hook gets the envelope', async t => {
  const { app, lines } = await setup(t)
  for (const hook of hookNames) {
    for (const style of styles) {
      for (const kind of Object.keys(failures) as FailureKind[]) {
        await app.register(async child => {
          child.addHook(hook as 'onRequest', failingHook(hook, style, failures[kind].make) as never)
          child.post(`/${hook}/${style.replaceAll(' ', '-')}/${kind}`, async () => ({ ok: true }))
        })
      }
    }
  }
  for (const hook of hookNames) {
    for (const style of styles) {
      for (const kind of Object.keys(failures) as FailureKind[]) {
        const { status, code } = failures[kind]
        const what = `${hook}, ${style}, ${kind}`
        const res = await app.inject({ method: 'POST', url: `/${hook}/${style.replaceAll(' ', '-')}/${kind}`, payload: { a: 1 } })
        const body = assertFlat(t, res, status, code, what)
        if (kind === 'internal') {
          t.equal(body.detail, 'Unexpected server error', `${what}: the generic message`)
          t.notOk(res.body.includes('SECRET'), `${what}: the thrown message stays out of the body`)
          const line = lines.find(l => l.level === 50 && l.request_id === res.headers['x-request-id'] && l.err?.message === 'SECRET-hook-internals')
          t.ok(line, `${what}: logged at error level with its message`)
        } else {
          t.equal(body.detail, 'Job deadline passed', `${what}: the catalog message`)
        }
      }
    }
  }
})

// Known limitation: our envelope goes through onSend too; when that fails again, Fastify hands the
// error to its own default handler and then writes its built-in fallback body, which no error
// handler can reach. Kept as a todo so that it is seen, not hidden.
t.test('an onSend hook that fails on every payload still answers with the envelope', {
  todo: 'Fastify answers a second onSend failure with its own fallback body'
}, async t => {
  const { app } = await setup(t)
  app.addHook('onSend', async () => { throw new Error('SECRET-onsend-always') })
  app.get('/', async () => ({ ok: true }))
  const res = await app.inject('/')
  assertFlat(t, res, 500, 'SYSTEM_INTERNAL_ERROR')
  t.notOk(res.body.includes('SECRET'), 'the hook error message stays out of the body')
})

t.test('errors from the handler', async t => {
  const { app } = await setup(t)
  app.get('/sync/api', () => { throw new ApiError('JOB_EXPIRED') })
  app.get('/sync/internal', () => { throw new Error('SECRET-handler') })
  app.get('/async/api', async () => { throw new ApiError('JOB_EXPIRED') })
  app.get('/async/internal', async () => { throw new Error('SECRET-handler') })
  app.get('/promise/api', () => Promise.reject(new ApiError('JOB_EXPIRED')))
  app.get('/send/api', (request, reply) => { reply.send(new ApiError('JOB_EXPIRED')) })
  app.get('/send/internal', (request, reply) => { reply.send(new Error('SECRET-sent')) })
  app.get('/send-async/api', async (request, reply) => reply.send(new ApiError('JOB_EXPIRED', { message: 'Job j-9 deadline passed' })))
  for (const path of ['/sync/api', '/async/api', '/promise/api', '/send/api']) {
    t.equal(assertFlat(t, await app.inject(path), 410, 'JOB_EXPIRED', path).detail, 'Job deadline passed')
  }
  t.equal(assertFlat(t, await app.inject('/send-async/api'), 410, 'JOB_EXPIRED', '/send-async/api').detail, 'Job j-9 deadline passed')
  for (const path of ['/sync/internal', '/async/internal', '/send/internal']) {
    const res = await app.inject(path)
    t.equal(assertFlat(t, res, 500, 'SYSTEM_INTERNAL_ERROR', path).detail, 'Unexpected server error')
    t.notOk(res.body.includes('SECRET'), `${path}: no message`)
  }
})

t.test('a response that cannot be serialized to its schema', async t => {
  const { app, lines } = await setup(t)
  const response = { 200: { type: 'object', required: ['id'], properties: { id: { type: 'string' }, count: { type: 'integer' } } } }
  app.get('/missing-property', { schema: { response } }, async () => ({ name: 'no id here' }))
  // fast-json-stringify coerces what it can; a word is no integer.
  app.get('/wrong-type', { schema: { response } }, async () => ({ id: 'x', count: 'no id here' }))
  for (const path of ['/missing-property', '/wrong-type']) {
    const res = await app.inject(path)
    assertFlat(t, res, 500, 'SYSTEM_INTERNAL_ERROR', path)
    t.notOk(res.body.includes('no id here'), `${path}: none of the payload leaks`)
    t.ok(lines.some(l => l.level === 50 && l.request_id === res.headers['x-request-id']), `${path}: logged at error level`)
  }
})

t.test('a streamed reply', async t => {
  const { app, lines } = await setup(t)
  app.get('/fails-at-once', async () => new Readable({
    read () { this.destroy(new Error('SECRET-stream-failed-early')) }
  }))
  app.get('/fails-midway', async () => {
    let sent = 0
    return new Readable({
      read () {
        if (sent++ === 0) {
          this.push('first chunk of a long body\n')
        } else {
          setTimeout(() => this.destroy(new Error('stream failed midway')), 20)
        }
      }
    })
  })
  app.get('/ok', async () => ({ ok: true }))

  t.test('that fails before anything is sent gets the envelope', async t => {
    const res = await app.inject('/fails-at-once')
    assertFlat(t, res, 500, 'SYSTEM_INTERNAL_ERROR')
    t.notOk(res.body.includes('SECRET'), 'no message')
  })

  t.test('that fails after the headers were sent is cut off, logged, and the server keeps serving', async t => {
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address() as AddressInfo
    const outcome = await new Promise<{ status: number, body: string, aborted: boolean }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no outcome within 3 s')), 3000)
      get({ port, host: '127.0.0.1', path: '/fails-midway' }, res => {
        let body = ''
        let aborted = false
        res.setEncoding('utf8')
        res.on('data', chunk => { body += chunk })
        res.on('aborted', () => { aborted = true })
        res.on('error', () => { aborted = true })
        res.on('close', () => {
          clearTimeout(timer)
          resolve({ status: res.statusCode ?? 0, body, aborted: aborted || !res.complete })
        })
      }).on('error', reject)
    })
    t.equal(outcome.status, 200, 'the headers had gone out as 200')
    t.equal(outcome.body, 'first chunk of a long body\n', 'the client got what was sent before the failure')
    t.ok(outcome.aborted, 'the response is cut off, not ended as if complete')
    await new Promise(resolve => setTimeout(resolve, 20))
    const line = lines.find(l => l.level >= 40 && JSON.stringify(l).includes('stream failed midway'))
    t.ok(line, 'the failure is logged')
    t.match(line?.request_id, generatedId, 'with the request id')
    const after = await fetch(`http://127.0.0.1:${port}/ok`)
    t.equal(after.status, 200, 'the server keeps answering')
    t.same(await after.json(), { ok: true })
  })
})

t.test('an error after the reply was sent', async t => {
  const { app, lines } = await setup(t)
  app.get('/sync', (request, reply) => {
    reply.send({ ok: true })
    throw new Error('late sync failure')
  })
  app.get('/async', async (request, reply) => {
    await reply.send({ ok: true })
    throw new Error('late async failure')
  })
  app.get('/hook', async () => ({ ok: true }))
  app.addHook('onResponse', async request => {
    if (request.url === '/hook') throw new Error('late hook failure')
  })
  // A sync throw after send never reaches an error handler: Fastify logs its own "already sent" warning instead.
  for (const [path, message] of [['/sync', 'Reply was already sent'], ['/async', 'late async failure'], ['/hook', 'late hook failure']] as const) {
    const res = await app.inject(path)
    t.equal(res.statusCode, 200, `${path}: the client keeps its answer`)
    t.same(res.json(), { ok: true }, `${path}: the answer is untouched`)
    await new Promise(resolve => setTimeout(resolve, 20))
    const line = lines.find(l => l.level >= 40 && l.request_id === res.headers['x-request-id'] && JSON.stringify(l).includes(message))
    t.ok(line, `${path}: the late error is logged with the request id`)
  }
  t.equal((await app.inject('/hook')).statusCode, 200, 'the server keeps answering')
})

t.test('encapsulated plugins with an error handler of their own', async t => {
  const { app } = await setup(t)
  const seen: unknown[] = []
  await app.register(async child => {
    child.setErrorHandler((err, request, reply) => {
      seen.push(err)
      reply.header('x-child-handled', 'yes')
      reply.sendError(err)
    })
    child.get('/delegate/api', async () => { throw new ApiError('JOB_EXPIRED') })
    child.get('/delegate/internal', async () => { throw new Error('SECRET-child') })
    child.addHook('preHandler', async request => { if (request.url === '/delegate/hook') throw new ApiError('AUTH_INVALID_KEY') })
    child.get('/delegate/hook', async () => ({ ok: true }))
  })
  await app.register(async child => {
    child.setErrorHandler(async err => { seen.push(err); throw err })
    child.get('/rethrow/api', async () => { throw new ApiError('JOB_EXPIRED') })
    child.get('/rethrow/internal', async () => { throw new Error('SECRET-child') })
  })
  await app.register(async child => {
    child.setErrorHandler(err => { seen.push(err); throw new Error('SECRET-the-handler-itself-failed') })
    child.get('/handler-fails', async () => { throw new ApiError('JOB_EXPIRED') })
  })

  let res = await app.inject('/delegate/api')
  assertFlat(t, res, 410, 'JOB_EXPIRED', 'delegated ApiError')
  t.equal(res.headers['x-child-handled'], 'yes', 'the child handler ran first')
  res = await app.inject('/delegate/internal')
  assertFlat(t, res, 500, 'SYSTEM_INTERNAL_ERROR', 'delegated Error')
  t.notOk(res.body.includes('SECRET'), 'delegated Error: no message')
  assertFlat(t, await app.inject('/delegate/hook'), 401, 'AUTH_INVALID_KEY', 'delegated hook error')

  // A child handler that rethrows hands the error on to the parent's handler: ours.
  assertFlat(t, await app.inject('/rethrow/api'), 410, 'JOB_EXPIRED', 'rethrown ApiError')
  res = await app.inject('/rethrow/internal')
  assertFlat(t, res, 500, 'SYSTEM_INTERNAL_ERROR', 'rethrown Error')
  t.notOk(res.body.includes('SECRET'), 'rethrown Error: no message')
  // One that fails with an error of its own: ours answers for that one.
  res = await app.inject('/handler-fails')
  assertFlat(t, res, 500, 'SYSTEM_INTERNAL_ERROR', 'a failing child handler')
  t.notOk(res.body.includes('SECRET'), 'a failing child handler: no message')
  t.equal(seen.length, 6, 'every child handler saw its error first')
})
