import t from 'tap'
import { ApiError, defineErrors, isApiError, type ErrorRecord } from '../src/index.js'
import { build, logCapture } from './helper.js'

/** A formatter that shows the whole record, so every member the error carried is visible. */
const recordFormat = (record: ErrorRecord): unknown => record

t.test('new ApiError(code) takes status and message from the active catalog', async t => {
  const app = await build(t)
  app.get('/', async () => { throw new ApiError('JOB_EXPIRED') })
  const res = await app.inject('/')
  t.equal(res.statusCode, 410)
  t.equal(res.json().detail, 'Job deadline passed')
})

t.test('every ApiError option reaches the response', async t => {
  const cause = new Error('database said no: secret-cause-text')
  const make = (): ApiError => new ApiError('JOB_NOT_FOUND', {
    message: 'Job job-abc123 not found',
    details: { job_id: 'job-abc123', attempts: 3 },
    field: 'job_id',
    status: 410,
    retryAfter: 30,
    cause,
    headers: { 'x-job-state': 'gone', 'x-attempts': 3 }
  })

  t.test('in the record a custom formatter gets', async t => {
    const app = await build(t, { plugin: { format: recordFormat } })
    app.get('/', async () => { throw make() })
    const res = await app.inject('/')
    t.equal(res.statusCode, 410)
    t.equal(res.headers['retry-after'], '30')
    t.equal(res.headers['x-job-state'], 'gone')
    t.equal(res.headers['x-attempts'], '3')
    const body = res.json()
    t.match(body, {
      status: 410,
      code: 'JOB_NOT_FOUND',
      message: 'Job job-abc123 not found',
      details: { job_id: 'job-abc123', attempts: 3 },
      field: 'job_id',
      retryAfter: 30
    })
    t.notOk(res.body.includes('secret-cause-text'), 'the cause is never sent')
    t.notOk('cause' in body)
  })

  t.test('in the flat (aitbc) body', async t => {
    const app = await build(t)
    app.get('/', async () => { throw make() })
    const res = await app.inject('/')
    t.equal(res.statusCode, 410)
    t.same(res.json(), {
      detail: 'Job job-abc123 not found',
      error_code: 'JOB_NOT_FOUND',
      request_id: res.headers['x-request-id'],
      field: 'job_id',
      retry_after: 30
    })
  })

  t.test('in the envelope body, details included', async t => {
    const app = await build(t, { plugin: { format: 'envelope' } })
    app.get('/', async () => { throw make() })
    const res = await app.inject('/')
    t.equal(res.statusCode, 410)
    t.same(res.json().error, {
      code: 'JOB_NOT_FOUND',
      message: 'Job job-abc123 not found',
      details: { field: 'job_id', job_id: 'job-abc123', attempts: 3 }
    })
    t.notOk(res.body.includes('secret-cause-text'))
  })

  t.test('the cause is on the error and in the log of a 5xx', async t => {
    const err = new ApiError('SYSTEM_UPSTREAM_ERROR', { cause })
    t.equal(err.cause, cause)
    const { stream, lines } = logCapture()
    const app = await build(t, { server: { logger: { level: 'info', stream } } })
    app.get('/', async () => { throw err })
    const res = await app.inject('/')
    t.equal(res.statusCode, 502)
    t.notOk(res.body.includes('secret-cause-text'))
    const line = lines.find(l => l.error_code === 'SYSTEM_UPSTREAM_ERROR')
    t.ok(line, 'logged')
    t.match(JSON.stringify(line), /secret-cause-text/, 'the log has the cause')
  })
  t.end()
})

t.test('isApiError and instanceof', async t => {
  t.test('hold for an ApiError', async t => {
    const err = new ApiError('JOB_EXPIRED')
    t.ok(isApiError(err))
    t.ok(err instanceof ApiError)
    t.ok(err instanceof Error)
    t.equal(err.name, 'ApiError')
    t.equal(err.code, 'JOB_EXPIRED')
  })

  t.test('are false for other values', async t => {
    for (const value of [new Error('x'), { code: 'JOB_EXPIRED' }, null, undefined, 'JOB_EXPIRED', 42]) {
      t.notOk(isApiError(value))
      t.notOk(value instanceof ApiError)
    }
  })

  t.test('hold for an ApiError from another copy of the package', async t => {
    // What another copy's ApiError looks like: its own class, the same global symbol.
    class OtherApiError extends Error {
      code = 'JOB_EXPIRED'
      status = undefined
      details = undefined
      field = undefined
      retryAfter = undefined
      headers = { 'x-copy': 'other' }
      expose = undefined
      get [Symbol.for('fastify-error-envelope.ApiError')] (): true { return true }
    }
    const copy = new OtherApiError('JOB_EXPIRED')
    // What a factory knew, in the slot the handler reads through the same global symbol.
    Object.defineProperty(copy, Symbol.for('fastify-error-envelope.ApiError.internals'), { value: { entry: undefined, params: undefined, defaultMessage: true } })
    t.ok(isApiError(copy))
    t.ok(copy instanceof ApiError)
    const plain = { [Symbol.for('fastify-error-envelope.ApiError')]: true }
    t.ok(isApiError(plain))
    t.ok(plain instanceof ApiError)

    const app = await build(t)
    app.get('/', async () => { throw copy })
    const res = await app.inject('/')
    t.equal(res.statusCode, 410, 'handled as a typed error, by its code')
    t.equal(res.json().error_code, 'JOB_EXPIRED')
    t.equal(res.json().detail, 'Job deadline passed')
    t.equal(res.headers['x-copy'], 'other')
  })

  t.test('a subclass keeps the usual instanceof', async t => {
    class MyError extends ApiError {}
    const mine = new MyError('JOB_EXPIRED')
    const plain = new ApiError('JOB_EXPIRED')
    t.ok(mine instanceof MyError)
    t.ok(mine instanceof ApiError)
    t.ok(isApiError(mine))
    t.notOk(plain instanceof MyError, 'an ApiError is not a MyError')
    t.notOk({ [Symbol.for('fastify-error-envelope.ApiError')]: true } instanceof MyError)

    const app = await build(t)
    app.get('/', async () => { throw mine })
    const res = await app.inject('/')
    t.equal(res.statusCode, 410)
    t.equal(res.json().error_code, 'JOB_EXPIRED')
  })
  t.end()
})

t.test('defineErrors', async t => {
  const errors = defineErrors({
    JOB_NOT_FOUND: { status: 404, message: 'Job {job_id} not found', category: 'Job' },
    PAIR: { status: 409, message: '{a} conflicts with {b}' },
    PLAIN: { status: 400, message: 'Plain failure' },
    UPSTREAM: { status: 502, message: 'Upstream {service} failed' }
  })

  t.test('factories render their template params', async t => {
    const err = errors.JOB_NOT_FOUND({ job_id: 'job-abc123' })
    t.ok(err instanceof ApiError)
    t.equal(err.code, 'JOB_NOT_FOUND')
    t.equal(err.status, 404)
    t.equal(err.message, 'Job job-abc123 not found')
    t.equal(errors.PAIR({ a: 'x', b: 7 }).message, 'x conflicts with 7')

    const app = await build(t)
    app.get('/', async () => { throw errors.JOB_NOT_FOUND({ job_id: 'job-abc123' }) })
    const res = await app.inject('/')
    t.equal(res.statusCode, 404)
    t.same(res.json(), { detail: 'Job job-abc123 not found', error_code: 'JOB_NOT_FOUND', request_id: res.headers['x-request-id'] })
  })

  t.test('the params are rendered too when the catalog is registered', async t => {
    const app = await build(t, { plugin: { errors } })
    app.get('/', async () => { throw errors.JOB_NOT_FOUND({ job_id: 'job-9' }) })
    const res = await app.inject('/')
    t.equal(res.statusCode, 404)
    t.equal(res.json().detail, 'Job job-9 not found')
  })

  t.test('registered codes work with new ApiError(code)', async t => {
    const app = await build(t, { plugin: { errors } })
    app.get('/', async () => { throw new ApiError('PLAIN') })
    const res = await app.inject('/')
    t.equal(res.statusCode, 400)
    t.equal(res.json().error_code, 'PLAIN')
    t.equal(res.json().detail, 'Plain failure')
  })

  t.test('factories have code, status, message and name', async t => {
    t.equal(errors.JOB_NOT_FOUND.code, 'JOB_NOT_FOUND')
    t.equal(errors.JOB_NOT_FOUND.status, 404)
    t.equal(errors.JOB_NOT_FOUND.message, 'Job {job_id} not found')
    t.equal(errors.JOB_NOT_FOUND.name, 'JOB_NOT_FOUND')
    t.equal(errors.PLAIN.name, 'PLAIN')
  })

  t.test('a missing param leaves its placeholder', async t => {
    // @ts-expect-error the param is required
    const err = errors.JOB_NOT_FOUND({})
    t.equal(err.message, 'Job {job_id} not found')
    t.equal(errors.PAIR({ a: 'x' } as any).message, 'x conflicts with {b}')
    const app = await build(t)
    app.get('/', async () => { throw errors.PAIR({ a: 'x' } as any) })
    const res = await app.inject('/')
    t.equal(res.statusCode, 409)
    t.equal(res.json().detail, 'x conflicts with {b}')
  })

  t.test('a factory without params takes options first', async t => {
    const none = errors.PLAIN()
    t.equal(none.message, 'Plain failure')
    const err = errors.PLAIN({ message: 'Plain but custom', field: 'name', details: { why: 'because' } })
    t.equal(err.message, 'Plain but custom')
    t.equal(err.field, 'name')
    t.same(err.details, { why: 'because' })

    const app = await build(t)
    app.get('/', async () => { throw errors.PLAIN({ message: 'Plain but custom', field: 'name' }) })
    const res = await app.inject('/')
    t.equal(res.statusCode, 400)
    t.same(res.json(), { detail: 'Plain but custom', error_code: 'PLAIN', request_id: res.headers['x-request-id'], field: 'name' })
  })

  t.test('a factory with params takes options second', async t => {
    const err = errors.JOB_NOT_FOUND({ job_id: 'j1' }, { field: 'job_id', retryAfter: 5 })
    t.equal(err.message, 'Job j1 not found')
    t.equal(err.field, 'job_id')
    t.equal(err.retryAfter, 5)
  })

  t.test('defineErrors rejects a spec it cannot use', async t => {
    t.throws(() => defineErrors({ BAD: { status: 200, message: 'x' } }), TypeError)
    t.throws(() => defineErrors({ BAD: { status: 400, message: '' } }), TypeError)
  })
  t.end()
})

t.test('a code the catalog does not know', async t => {
  t.test('without a status is a 500 internal error, logged as a bug', async t => {
    const { stream, lines } = logCapture()
    const app = await build(t, { server: { logger: { level: 'info', stream } } })
    app.get('/', async () => { throw new ApiError('NOPE') })
    const res = await app.inject('/')
    t.equal(res.statusCode, 500)
    t.same(res.json(), { detail: 'Unexpected server error', error_code: 'SYSTEM_INTERNAL_ERROR', request_id: res.headers['x-request-id'] })
    const errorLines = lines.filter(l => l.level === 50)
    t.equal(errorLines.length, 1)
    t.match(errorLines[0]?.msg, /NOPE/)
    t.match(errorLines[0]?.msg, /not in the (active )?catalog/)
    t.equal(errorLines[0]?.request_id, res.headers['x-request-id'])
  })

  t.test('with a status answers with that status, code and message', async t => {
    const app = await build(t)
    app.get('/', async () => { throw new ApiError('NOPE', { status: 418, message: 'I am a teapot' }) })
    const res = await app.inject('/')
    t.equal(res.statusCode, 418)
    t.same(res.json(), { detail: 'I am a teapot', error_code: 'NOPE', request_id: res.headers['x-request-id'] })
  })
})

t.test('a known code with an invalid status keeps the catalog status', async t => {
  const app = await build(t)
  app.get('/999', async () => { throw new ApiError('JOB_NOT_FOUND', { status: 999 }) })
  app.get('/200', async () => { throw new ApiError('JOB_NOT_FOUND', { status: 200 }) })
  app.get('/409', async () => { throw new ApiError('JOB_NOT_FOUND', { status: 409 }) })
  for (const path of ['/999', '/200']) {
    const res = await app.inject(path)
    t.equal(res.statusCode, 404, path)
    t.equal(res.json().error_code, 'JOB_NOT_FOUND', path)
  }
  const res = await app.inject('/409')
  t.equal(res.statusCode, 409, 'a valid status overrides the catalog')
  t.equal(res.json().error_code, 'JOB_NOT_FOUND')
})

t.test('retryAfter is rounded up to whole seconds, at least 1', async t => {
  const app = await build(t)
  app.get('/:value', async (request) => {
    throw new ApiError('JOB_NOT_FOUND', { retryAfter: Number((request.params as { value: string }).value) })
  })
  for (const [value, expected] of [['0.2', 1], ['59.1', 60], ['0', 1], ['120', 120]] as const) {
    const res = await app.inject(`/${value}`)
    t.equal(res.statusCode, 404)
    t.equal(res.headers['retry-after'], String(expected), `Retry-After for ${value}`)
    t.equal(res.json().retry_after, expected, `retry_after for ${value}`)
  }
  for (const value of ['-5', 'NaN', 'Infinity']) {
    const res = await app.inject(`/${value}`)
    t.equal(res.statusCode, 404)
    t.notOk('retry-after' in res.headers, `no Retry-After for ${value}`)
    t.notOk('retry_after' in res.json(), `no retry_after for ${value}`)
  }
})

t.test('a 5xx ApiError hides its message and details', async t => {
  const errors = defineErrors({
    UPSTREAM: { status: 502, message: 'Upstream {service} failed' }
  })
  const secret = { message: 'db password is hunter2', details: { host: 'db.internal' } }

  t.test('by default', async t => {
    const app = await build(t, { plugin: { format: 'envelope' } })
    app.get('/', async () => { throw new ApiError('PAYMENT_FAILED', secret) })
    const res = await app.inject('/')
    t.equal(res.statusCode, 500)
    t.same(res.json().error, { code: 'PAYMENT_FAILED', message: 'Payment processing error' })
    t.notOk(res.body.includes('hunter2'))
    t.notOk(res.body.includes('db.internal'))
  })

  t.test('unless the error has expose: true', async t => {
    const app = await build(t, { plugin: { format: 'envelope' } })
    app.get('/', async () => { throw new ApiError('PAYMENT_FAILED', { ...secret, expose: true }) })
    const res = await app.inject('/')
    t.equal(res.statusCode, 500)
    t.same(res.json().error, { code: 'PAYMENT_FAILED', message: 'db password is hunter2', details: { host: 'db.internal' } })
  })

  t.test('unless the plugin has exposeInternalErrors: true', async t => {
    const app = await build(t, { plugin: { format: 'envelope', exposeInternalErrors: true } })
    app.get('/', async () => { throw new ApiError('PAYMENT_FAILED', secret) })
    const res = await app.inject('/')
    t.equal(res.statusCode, 500)
    t.same(res.json().error, { code: 'PAYMENT_FAILED', message: 'db password is hunter2', details: { host: 'db.internal' } })
  })

  t.test('a 5xx factory with params shows the internal message, never a raw placeholder', async t => {
    const app = await build(t)
    app.get('/', async () => { throw errors.UPSTREAM({ service: 'billing-db.internal' }) })
    const res = await app.inject('/')
    t.equal(res.statusCode, 502)
    t.equal(res.json().error_code, 'UPSTREAM')
    t.equal(res.json().detail, 'Unexpected server error')
    t.notOk(res.body.includes('{service}'), 'no placeholder')
    t.notOk(res.body.includes('billing-db'), 'no param value')
  })

  t.test('an exposed 5xx factory renders its params', async t => {
    const app = await build(t)
    app.get('/', async () => { throw errors.UPSTREAM({ service: 'billing' }, { expose: true }) })
    const res = await app.inject('/')
    t.equal(res.statusCode, 502)
    t.equal(res.json().detail, 'Upstream billing failed')
  })
  t.end()
})

t.test('the headers option', async t => {
  t.test('sends safe headers', async t => {
    const app = await build(t)
    app.get('/', async () => {
      throw new ApiError('JOB_NOT_FOUND', { headers: { 'X-Job-Hint': 'check the id', 'x-count': 2 } })
    })
    const res = await app.inject('/')
    t.equal(res.statusCode, 404)
    t.equal(res.headers['x-job-hint'], 'check the id')
    t.equal(res.headers['x-count'], '2')
  })

  t.test('drops unsafe names and values without crashing', async t => {
    const app = await build(t)
    app.get('/', async () => {
      throw new ApiError('JOB_NOT_FOUND', {
        headers: {
          'x-split': 'a\r\nset-cookie: evil=1',
          'x-newline': 'a\nb',
          'x bad name': 'value',
          'x-good': 'kept'
        }
      })
    })
    const res = await app.inject('/')
    t.equal(res.statusCode, 404)
    t.equal(res.json().error_code, 'JOB_NOT_FOUND')
    t.equal(res.headers['x-good'], 'kept')
    t.notOk('x-split' in res.headers)
    t.notOk('x-newline' in res.headers)
    t.notOk('set-cookie' in res.headers)
    t.notOk(Object.keys(res.headers).some(name => name.includes(' ')))
  })

  t.test('cannot override content-type', async t => {
    const app = await build(t)
    app.get('/', async () => {
      throw new ApiError('JOB_NOT_FOUND', { headers: { 'Content-Type': 'text/html', 'content-length': '1' } })
    })
    const res = await app.inject('/')
    t.equal(res.statusCode, 404)
    t.match(res.headers['content-type'], /^application\/json/)
    t.equal(res.json().error_code, 'JOB_NOT_FOUND')
  })
  t.end()
})

t.test('ApiError exposes statusCode, as Fastify and http-errors users read it', async t => {
  t.equal(new ApiError('ANY', { status: 418 }).statusCode, 418)
  t.equal(new ApiError('ANY').statusCode, undefined, 'a bare code has its status only once a catalog resolves it')
})
