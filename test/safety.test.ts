import t, { type Test } from 'tap'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { ApiError, presets, type ErrorRecord } from '../src/index.js'
import { build, logCapture } from './helper.js'

const requestIdShape = /^req_[0-9a-f]{32}$/

/** Asserts a response is a valid AITBC (flat) envelope with an error status, and returns its body. */
function assertEnvelope (t: Test, res: LightMyRequestResponse, status?: number): Record<string, unknown> {
  if (status === undefined) {
    t.ok(res.statusCode >= 400 && res.statusCode <= 599, `status ${res.statusCode} is 4xx/5xx`)
  } else {
    t.equal(res.statusCode, status)
  }
  t.match(res.headers['content-type'], /^application\/json/)
  const id = res.headers['x-request-id']
  t.match(id, requestIdShape, 'X-Request-Id is set')
  let body: Record<string, unknown> = {}
  t.doesNotThrow(() => { body = res.json() }, 'the body is JSON')
  t.same(Object.keys(body).sort(), ['detail', 'error_code', 'request_id'], 'exactly the flat members')
  t.type(body.detail, 'string')
  t.type(body.error_code, 'string')
  t.equal(body.request_id, id, 'the body id equals the header')
  return body
}

/** Asserts the body is the generic 500 of the aitbc preset. */
function assertInternal (t: Test, res: LightMyRequestResponse): void {
  const body = assertEnvelope(t, res, 500)
  t.equal(body.error_code, 'SYSTEM_INTERNAL_ERROR')
  t.equal(body.detail, 'Unexpected server error')
}

/** The aitbc catalog's message of a code: what an untrusted error's 4xx answers instead of its own message. */
function catalogMessage (code: unknown): string | undefined {
  return (presets.aitbc.catalog as Record<string, { message: string }>)[String(code)]?.message
}

function withStatus (statusCode: unknown, message = 'status error'): Error {
  return Object.assign(new Error(message), { statusCode })
}

t.test('anything thrown yields a valid envelope', async t => {
  const thrown: Array<[string, () => unknown]> = [
    ['a string', () => 'plain string thrown'],
    ['an empty string', () => ''],
    ['null', () => null],
    ['undefined', () => undefined],
    ['a number', () => 42],
    ['a boolean', () => false],
    ['a plain object', () => ({ some: 'thing' })],
    ['an array', () => [1, 2, 3]],
    ['a Symbol', () => Symbol('thrown')],
    ['a BigInt', () => 10n],
    ['a function', () => () => 1]
  ]
  for (const [name, make] of thrown) {
    t.test(`${name} from an async handler`, async t => {
      const app = await build(t)
      app.get('/', async () => { throw make() })
      assertInternal(t, await app.inject('/'))
    })
    t.test(`${name} from a sync handler`, async t => {
      const app = await build(t)
      app.get('/', () => { throw make() })
      assertInternal(t, await app.inject('/'))
    })
  }
  t.end()
})

t.test('an error status that is not an error status becomes 500', async t => {
  for (const status of [200, 302, 999, 'abc', NaN, -1, 399, 600, 404.5, '404']) {
    t.test(`statusCode ${String(status)}`, async t => {
      const app = await build(t)
      app.get('/', async () => { throw withStatus(status, 'do not show me') })
      const res = await app.inject('/')
      assertInternal(t, res)
      t.notOk(res.body.includes('do not show me'))
    })
  }
  t.test('a valid 4xx status is kept; an untrusted message is not (docs/safety.md)', async t => {
    const app = await build(t)
    app.get('/', async () => { throw withStatus(409, 'already there') })
    const body = assertEnvelope(t, await app.inject('/'), 409)
    t.equal(body.detail, catalogMessage(body.error_code))
  })
  t.end()
})

t.test('hostile thrown values', async t => {
  t.test('an Error whose message getter throws', async t => {
    class Nasty extends Error {
      override get message (): string { throw new Error('getter exploded') }
    }
    const app = await build(t)
    app.get('/', async () => { throw new Nasty() })
    assertInternal(t, await app.inject('/'))
  })

  t.test('a 4xx Error whose message getter throws keeps its status', async t => {
    class Nasty extends Error {
      statusCode = 404
      override get message (): string { throw new Error('getter exploded') }
    }
    const app = await build(t)
    app.get('/', async () => { throw new Nasty() })
    const body = assertEnvelope(t, await app.inject('/'), 404)
    t.equal(body.error_code, 'NOT_FOUND')
  })

  t.test('a Proxy that throws on every trap', async t => {
    const trap = (): never => { throw new Error('trap') }
    const proxy = new Proxy({}, {
      get: trap,
      has: trap,
      ownKeys: trap,
      getOwnPropertyDescriptor: trap,
      getPrototypeOf: trap,
      set: trap,
      defineProperty: trap,
      deleteProperty: trap,
      isExtensible: trap,
      preventExtensions: trap,
      setPrototypeOf: trap,
      apply: trap,
      construct: trap
    })
    const app = await build(t)
    app.get('/async', async () => { throw proxy })
    app.get('/sync', () => { throw proxy })
    assertInternal(t, await app.inject('/async'))
    assertInternal(t, await app.inject('/sync'))
  })

  t.test('a Proxy that throws on every trap, with negotiate on: the fallback answer still says Vary: Accept', async t => {
    const trap = (): never => { throw new Error('trap') }
    const proxy = new Proxy({}, { get: trap, has: trap, ownKeys: trap, getOwnPropertyDescriptor: trap, getPrototypeOf: trap })
    const app = await build(t, { plugin: { negotiate: true } })
    app.get('/', async () => { throw proxy })
    const res = await app.inject({ url: '/', headers: { accept: 'application/problem+json' } })
    assertInternal(t, res)
    t.match(res.headers.vary, /accept/i, 'a cache must not hand this answer to a client that asked for the other type')
  })

  t.test('a clock that throws (the now option) costs no answer: real time stands in', async t => {
    const app = await build(t, { plugin: { preset: 'genai', now: () => { throw new Error('clock broke') } } })
    app.get('/', async () => { throw new ApiError('RESOURCE_NOT_FOUND') })
    const res = await app.inject('/')
    t.equal(res.statusCode, 404, 'the answer the route meant (the connection was reset before)')
    const stamp = Date.parse(res.json().meta.timestamp as string)
    t.ok(Math.abs(stamp - Date.now()) < 60_000, 'the real time')
  })

  t.test('an object with a throwing toJSON', async t => {
    const app = await build(t)
    app.get('/500', async () => {
      throw { message: 'secret', toJSON () { throw new Error('no JSON for you') } } // eslint-disable-line no-throw-literal
    })
    app.get('/400', async () => {
      throw { statusCode: 400, message: 'bad input', toJSON () { throw new Error('no JSON for you') } } // eslint-disable-line no-throw-literal
    })
    assertInternal(t, await app.inject('/500'))
    const body = assertEnvelope(t, await app.inject('/400'), 400)
    t.equal(body.detail, catalogMessage(body.error_code), 'an untrusted 4xx answers the catalog\'s message')
  })

  t.test('a frozen error', async t => {
    const app = await build(t)
    app.get('/500', async () => { throw Object.freeze(new Error('frozen secret')) })
    app.get('/409', async () => { throw Object.freeze(withStatus(409, 'frozen conflict')) })
    app.get('/api', async () => { throw Object.freeze(new ApiError('JOB_EXPIRED')) })
    const res = await app.inject('/500')
    assertInternal(t, res)
    t.notOk(res.body.includes('frozen secret'))
    const conflict = assertEnvelope(t, await app.inject('/409'), 409)
    t.equal(conflict.detail, catalogMessage(conflict.error_code), 'an untrusted 4xx answers the catalog\'s message')
    t.equal(assertEnvelope(t, await app.inject('/api'), 410).error_code, 'JOB_EXPIRED')
  })

  t.test('a 1 MB message on a 4xx keeps the body bounded', async t => {
    const huge = 'x'.repeat(1024 * 1024)
    const app = await build(t, { plugin: { format: 'envelope' } })
    app.get('/foreign', async () => { throw withStatus(400, huge) })
    app.get('/api', async () => {
      throw new ApiError('JOB_NOT_FOUND', { message: huge, field: huge, details: { huge } })
    })
    for (const path of ['/foreign', '/api']) {
      const res = await app.inject(path)
      t.ok(res.statusCode === 400 || res.statusCode === 404, path)
      t.equal(res.json().success, false)
      t.ok(res.body.length < 64 * 1024, `${path} body is ${res.body.length} bytes`)
    }
  })
  t.end()
})

t.test('details that JSON cannot hold are cut down (4xx shows details)', async t => {
  const details: Record<string, unknown> = {
    big: 12345678901234567890n,
    sym: Symbol('s'),
    fn: () => 1,
    [Symbol('key')]: 'hidden',
    ok: 'kept',
    nested: { deeper: { big: 1n } },
    date: new Date('2024-01-01T00:00:00.000Z'),
    invalidDate: new Date('not a date'),
    nan: NaN,
    list: [1, undefined, () => 1, Symbol('s')],
    withToJSON: { toJSON () { throw new Error('boom') }, inner: 'kept too' }
  }
  details.self = details
  const app = await build(t, { plugin: { format: 'envelope' } })
  app.get('/', async () => { throw new ApiError('JOB_NOT_FOUND', { details }) })
  const res = await app.inject('/')
  t.equal(res.statusCode, 404)
  const shown = res.json().error.details
  t.equal(shown.big, '12345678901234567890', 'BigInt becomes a string')
  t.equal(shown.nested.deeper.big, '1')
  t.notOk('sym' in shown, 'symbols dropped')
  t.notOk('fn' in shown, 'functions dropped')
  t.equal(shown.ok, 'kept')
  t.equal(shown.date, '2024-01-01T00:00:00.000Z')
  t.equal(shown.invalidDate, null, 'an invalid Date becomes null, as JSON.stringify makes it')
  t.equal(shown.nan, null)
  t.same(shown.list, [1, null, null, null], 'in a list, what JSON cannot hold becomes null: the positions stay')
  t.equal(shown.withToJSON.inner, 'kept too')
  t.not(typeof shown.self, 'undefined', 'the cycle is cut, not dropped silently')
  t.notSame(shown.self, shown, 'the cycle is cut')
  t.equal(JSON.stringify(shown).length < 10_000, true)
  // A format of the app's own reads the copy before JSON does: it finds null in the list too, not undefined.
  let formatted: Record<string, unknown> | undefined
  const own = await build(t, { plugin: { format: record => { formatted = record.details; return { code: record.code } } } })
  own.get('/', async () => { throw new ApiError('JOB_NOT_FOUND', { details }) })
  t.equal((await own.inject('/')).statusCode, 404)
  t.strictSame(formatted?.list, [1, null, null, null], 'the format sees the list as the body shows it')
})

t.test('details are bounded: 100 keys an object, 500 values in all, 2048 characters a string', async t => {
  const wide = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`k${i}`, i]))
  // 10 rows of 90 cells: 900 values, more than the 500 a copy holds.
  const rows = Array.from({ length: 10 }, (_, r) => Object.fromEntries(Array.from({ length: 90 }, (_, c) => [`c${c}`, r])))
  const app = await build(t, { plugin: { format: 'envelope' } })
  app.get('/wide', async () => { throw new ApiError('JOB_NOT_FOUND', { details: wide }) })
  app.get('/rows', async () => { throw new ApiError('JOB_NOT_FOUND', { details: { rows } }) })
  app.get('/long', async () => { throw new ApiError('JOB_NOT_FOUND', { details: { note: 'x'.repeat(3000) } }) })
  t.equal((await app.inject('/long')).json().error.details.note, 'x'.repeat(2048) + '…', 'a long string is cut, and says so')
  const shownWide = (await app.inject('/wide')).json().error.details
  t.same(Object.keys(shownWide), Object.keys(wide).slice(0, 100), 'the first 100 keys, in order')
  const res = await app.inject('/rows')
  t.equal(res.statusCode, 404)
  const shownRows: Array<Record<string, number>> = res.json().error.details.rows
  t.ok(shownRows.length < rows.length, `${shownRows.length} of ${rows.length} rows`)
  t.same(shownRows[0], rows[0], 'what is shown is kept whole up to the bound')
  const cells = shownRows.reduce((sum, row) => sum + Object.keys(row).length, 0)
  t.ok(cells < 500, `${cells} cells shown`)
  t.ok(Object.keys(shownRows.at(-1) as object).length < 90, 'the bound falls inside the last row shown: its object is cut too')
})

t.test('a 5xx never shows the thrown message or its stack', async t => {
  const cases: Array<[string, () => unknown]> = [
    ['Error', () => new Error('SECRET-internal-detail')],
    ['TypeError', () => new TypeError('SECRET-internal-detail')],
    ['Error with statusCode 503', () => withStatus(503, 'SECRET-internal-detail')],
    ['Error with status 502', () => Object.assign(new Error('SECRET-internal-detail'), { status: 502 })],
    ['object', () => ({ message: 'SECRET-internal-detail', stack: 'Error: x\n    at secret (/srv/app.js:1:1)' })],
    ['ApiError', () => new ApiError('SYSTEM_INTERNAL_ERROR', { message: 'SECRET-internal-detail', details: { sql: 'SECRET' } })]
  ]
  for (const [name, make] of cases) {
    t.test(name, async t => {
      for (const format of ['flat', 'envelope', 'openai', 'problem'] as const) {
        const app = await build(t, { plugin: { format } })
        app.get('/', async () => { throw make() })
        const res = await app.inject('/')
        t.ok(res.statusCode >= 500 && res.statusCode <= 599, `${format}: ${res.statusCode}`)
        t.notOk(res.body.includes('SECRET'), `${format}: no message`)
        t.notMatch(res.body, /\bat [^\s]+ \(|\n\s+at /, `${format}: no stack`)
        t.notOk(res.body.includes('/srv/app.js'), `${format}: no file path`)
      }
    })
  }

  t.test('exposeInternalErrors: true shows the real message', async t => {
    const app = await build(t, { plugin: { exposeInternalErrors: true } })
    app.get('/error', async () => { throw new Error('the real reason') })
    app.get('/503', async () => { throw withStatus(503, 'the real 503 reason') })
    let res = await app.inject('/error')
    t.equal(res.statusCode, 500)
    t.equal(res.json().detail, 'the real reason')
    t.notMatch(res.body, /\n\s+at /, 'still no stack')
    res = await app.inject('/503')
    t.equal(res.statusCode, 500, 'an untrusted 5xx is the internal error')
    t.equal(res.json().detail, 'the real 503 reason')
  })
  t.end()
})

t.test('a failing formatter', async t => {
  t.test("that always throws gives the preset's own internal-error envelope", async t => {
    const app = await build(t, { plugin: { format: () => { throw new Error('formatter broke') } } })
    app.get('/500', async () => { throw new Error('x') })
    app.get('/404', async () => { throw new ApiError('JOB_NOT_FOUND') })
    for (const path of ['/500', '/404']) {
      const res = await app.inject(path)
      t.equal(res.statusCode, 500, `${path} answers 500`)
      t.match(res.headers['content-type'], /^application\/json/)
      t.same(res.json(), { detail: 'Unexpected server error', error_code: 'SYSTEM_INTERNAL_ERROR', request_id: res.headers['x-request-id'] })
      t.notOk(res.body.includes('formatter broke'))
    }
    const res = await app.inject('/no-such-route')
    t.equal(res.statusCode, 500, 'the not-found handler too')
    t.equal(res.json().error_code, 'SYSTEM_INTERNAL_ERROR')
  })

  t.test('that throws only for some records falls back to the format itself', async t => {
    const format = (record: ErrorRecord): unknown => {
      if (record.code !== 'SYSTEM_INTERNAL_ERROR') throw new Error('cannot format ' + record.code)
      return { oops: true, code: record.code, id: record.requestId }
    }
    const app = await build(t, { plugin: { format } })
    app.get('/', async () => { throw new ApiError('JOB_NOT_FOUND') })
    const res = await app.inject('/')
    t.equal(res.statusCode, 500)
    t.same(res.json(), { oops: true, code: 'SYSTEM_INTERNAL_ERROR', id: res.headers['x-request-id'] })
  })

  t.test('that returns a body JSON cannot serialize falls back', async t => {
    const app = await build(t, { plugin: { format: record => ({ code: record.code, n: 1n }) } })
    app.get('/', async () => { throw new ApiError('JOB_NOT_FOUND') })
    const res = await app.inject('/')
    t.equal(res.statusCode, 500)
    t.same(res.json(), { detail: 'Unexpected server error', error_code: 'SYSTEM_INTERNAL_ERROR', request_id: res.headers['x-request-id'] })
  })

  t.test('that returns a circular body falls back', async t => {
    const app = await build(t, {
      plugin: {
        format: record => {
          const body: Record<string, unknown> = { code: record.code }
          body.self = body
          return body
        }
      }
    })
    app.get('/', async () => { throw new Error('x') })
    const res = await app.inject('/')
    t.equal(res.statusCode, 500)
    t.equal(res.json().error_code, 'SYSTEM_INTERNAL_ERROR')
  })
  t.end()
})

t.test('an error after the reply was sent is logged, not re-sent', async t => {
  async function setup (): Promise<{ app: FastifyInstance, lines: Array<Record<string, any>> }> {
    const { stream, lines } = logCapture()
    const app = await build(t, { server: { logger: { level: 'info', stream } } })
    return { app, lines }
  }

  t.test('an async handler that throws after reply.send', async t => {
    const { app, lines } = await setup()
    app.get('/', async (request, reply) => {
      reply.send('ok')
      await new Promise(resolve => setImmediate(resolve))
      throw new Error('late failure')
    })
    const res = await app.inject('/')
    t.equal(res.statusCode, 200)
    t.equal(res.body, 'ok')
    await new Promise(resolve => setTimeout(resolve, 20))
    const line = lines.find(l => l.level === 50 && JSON.stringify(l).includes('late failure'))
    t.ok(line, 'logged at error level')
    t.equal(line?.request_id, res.headers['x-request-id'])
  })

  t.test('reply.sendError after the reply was sent', async t => {
    const { app, lines } = await setup()
    app.get('/', (request, reply) => {
      reply.send('ok')
      reply.sendError(new Error('late failure'))
    })
    const res = await app.inject('/')
    t.equal(res.statusCode, 200)
    t.equal(res.body, 'ok')
    const line = lines.find(l => l.level === 50 && JSON.stringify(l).includes('late failure'))
    t.ok(line, 'logged at error level')
    t.equal(line?.request_id, res.headers['x-request-id'])
  })

  t.test('an onResponse hook that fails', async t => {
    const { app, lines } = await setup()
    app.addHook('onResponse', async () => { throw new Error('late failure') })
    app.get('/', async () => 'ok')
    const res = await app.inject('/')
    t.equal(res.statusCode, 200)
    t.equal(res.body, 'ok')
    await new Promise(resolve => setTimeout(resolve, 20))
    const line = lines.find(l => l.level === 50 && JSON.stringify(l).includes('late failure'))
    t.ok(line, 'logged at error level')
    t.equal(line?.request_id, res.headers['x-request-id'])
  })
  t.end()
})

t.test('reply.sendError', async t => {
  t.test('answers with the envelope from an encapsulated error handler', async t => {
    const app = await build(t)
    let seen: unknown
    await app.register(async child => {
      child.setErrorHandler((err, request, reply) => {
        seen = err
        reply.sendError(err)
      })
      child.get('/child', async () => { throw new ApiError('JOB_EXPIRED') })
      child.get('/child-500', async () => { throw new Error('child secret') })
    })
    let res = await app.inject('/child')
    t.ok(seen instanceof ApiError, 'the child handler ran')
    const body = assertEnvelope(t, res, 410)
    t.equal(body.error_code, 'JOB_EXPIRED')
    t.equal(body.detail, 'Job deadline passed')
    res = await app.inject('/child-500')
    assertInternal(t, res)
    t.notOk(res.body.includes('child secret'))
  })

  t.test('can be returned from an async error handler', async t => {
    const app = await build(t)
    await app.register(async child => {
      child.setErrorHandler(async (err, request, reply) => reply.sendError(err))
      child.get('/child', async () => { throw new ApiError('JOB_NOT_FOUND', { message: 'Job j-1 not found' }) })
    })
    const res = await app.inject('/child')
    const body = assertEnvelope(t, res, 404)
    t.equal(body.detail, 'Job j-1 not found')
  })
  t.end()
})

t.test('logging', async t => {
  async function setup (plugin = {}): Promise<{ app: FastifyInstance, lines: Array<Record<string, any>> }> {
    const { stream, lines } = logCapture()
    const app = await build(t, { plugin, server: { logger: { level: 'info', stream } } })
    app.get('/ok', async () => ({ ok: true }))
    app.get('/4xx', async () => { throw new ApiError('JOB_NOT_FOUND', { message: 'Job j-1 not found' }) })
    app.get('/5xx', async () => { throw new Error('database is down') })
    return { app, lines }
  }

  t.test('a 4xx is one info line without a stack', async t => {
    const { app, lines } = await setup()
    const res = await app.inject('/4xx')
    t.equal(res.statusCode, 404)
    const errorLines = lines.filter(l => 'error_code' in l)
    t.equal(errorLines.length, 1, 'one line')
    const line = errorLines[0] ?? {}
    t.equal(line.level, 30, 'info level')
    t.equal(line.request_id, res.headers['x-request-id'])
    t.equal(line.error_code, 'JOB_NOT_FOUND')
    t.equal(line.status, 404)
    t.notOk('err' in line, 'no err')
    t.notOk(lines.some(l => l.level >= 40), 'nothing at warn or error')
    t.notMatch(JSON.stringify(lines), /\\n\s+at /, 'no stack in any line')
  })

  t.test('a 5xx is an error line with the stack', async t => {
    const { app, lines } = await setup()
    const res = await app.inject('/5xx')
    t.equal(res.statusCode, 500)
    const errorLines = lines.filter(l => 'error_code' in l)
    t.equal(errorLines.length, 1, 'one line')
    const line = errorLines[0] ?? {}
    t.equal(line.level, 50, 'error level')
    t.equal(line.request_id, res.headers['x-request-id'])
    t.equal(line.error_code, 'SYSTEM_INTERNAL_ERROR')
    t.equal(line.status, 500)
    t.match(line.err?.message, 'database is down', 'the log has the real message')
    t.match(line.err?.stack, /\n\s+at /, 'the log has the stack')
  })

  t.test('the not-found handler logs at info', async t => {
    const { app, lines } = await setup()
    const res = await app.inject('/nowhere')
    t.equal(res.statusCode, 404)
    const errorLines = lines.filter(l => 'error_code' in l)
    t.equal(errorLines.length, 1)
    t.equal(errorLines[0]?.level, 30)
    t.equal(errorLines[0]?.error_code, 'NOT_FOUND')
  })

  t.test('every request log line carries request_id', async t => {
    const { app, lines } = await setup()
    for (const path of ['/ok', '/4xx', '/5xx', '/nowhere']) {
      const before = lines.length
      const res = await app.inject({ url: path, headers: { 'x-request-id': `client-id-${path.slice(1)}` } })
      const mine = lines.slice(before)
      t.ok(mine.length >= 2, `${path}: incoming and completed lines at least`)
      for (const line of mine) {
        t.equal(line.request_id, res.headers['x-request-id'], `${path}: ${line.msg}`)
      }
    }
  })
  t.end()
})

t.test('a custom format whose serialize returns no string falls back to the internal error', async t => {
  const { stream, lines } = logCapture()
  const app = await build(t, {
    server: { logger: { level: 'info', stream } },
    plugin: { format: { name: 'numbers', contentType: 'application/json', build: r => r.status, serialize: () => 42 as unknown as string } }
  })
  app.get('/', async () => { throw new ApiError('JOB_NOT_FOUND') })
  const res = await app.inject('/')
  t.equal(res.statusCode, 500)
  t.same(res.json(), { detail: 'Unexpected server error', error_code: 'SYSTEM_INTERNAL_ERROR', request_id: res.headers['x-request-id'] })
  t.match(lines.find(l => l.level === 50)?.err?.message, /serialized to number, not a string/)
})

/** A logger that does nothing but what `overrides` say, for tests of a logger that fails. */
function stubLogger (overrides: Record<string, (...args: unknown[]) => void>): Record<string, unknown> {
  const noop = (): void => {}
  const logger: Record<string, unknown> = { level: 'info', info: noop, error: noop, warn: noop, debug: noop, fatal: noop, trace: noop, silent: noop, child: () => logger, ...overrides }
  return logger
}

t.test('a logger that throws does not cost the client its envelope', async t => {
  const calls: string[] = []
  const logger = stubLogger({
    info () { calls.push('info'); throw new Error('log sink full') },
    error () { calls.push('error') }
  })
  const app = await build(t, { server: { loggerInstance: logger as never, disableRequestLogging: true } })
  app.get('/', async () => { throw new ApiError('JOB_NOT_FOUND') })
  const res = await app.inject('/')
  t.equal(res.statusCode, 404)
  t.equal(res.json().error_code, 'JOB_NOT_FOUND')
  t.same(calls, ['info', 'error'], 'the failed info line is replaced by a short error line')
})

t.test('details holding a Proxy that throws on every trap are cut down, not fatal', async t => {
  const hostile = new Proxy({}, {
    get () { throw new Error('trap') },
    getPrototypeOf () { throw new Error('trap') },
    ownKeys () { throw new Error('trap') },
    has () { throw new Error('trap') }
  })
  const app = await build(t)
  app.get('/details', async () => { throw new ApiError('JOB_NOT_FOUND', { details: { job: hostile, ok: 1 } }) })
  app.get('/headers', async () => { throw new ApiError('JOB_NOT_FOUND', { headers: hostile as never }) })
  const res = await app.inject('/details')
  t.equal(res.statusCode, 404)
  const record = await build(t, { plugin: { format: r => r } })
  record.get('/', async () => { throw new ApiError('JOB_NOT_FOUND', { details: { job: hostile, ok: 1 } }) })
  t.same((await record.inject('/')).json().details, { job: '[Unreadable]', ok: 1 })
  const headers = await app.inject('/headers')
  t.equal(headers.statusCode, 404)
  t.equal(headers.json().error_code, 'JOB_NOT_FOUND')
})

t.test('an error whose prototype or headers cannot be read is still answered: the trust checks never throw', async t => {
  const app = await build(t)
  const unreadablePrototype = new Proxy({ statusCode: 400, message: 'SECRET-proxy' }, {
    getPrototypeOf () { throw new Error('no prototype for you') }
  })
  const unreadableHeaders = { statusCode: 400, message: 'SECRET-headers', headers: new Proxy({}, { get () { throw new Error('no headers for you') } }) }
  app.get('/prototype', async () => { throw unreadablePrototype })
  app.get('/headers', async () => { throw unreadableHeaders })
  for (const path of ['/prototype', '/headers']) {
    const res = await app.inject(path)
    t.equal(res.statusCode, 400, `${path}: the 4xx status stands`)
    t.notMatch(res.body, /SECRET/, `${path}: its message is not trusted`)
    t.equal(res.json().error_code, 'BAD_REQUEST', `${path}: the catalog's code for the status`)
  }
})

t.test('reply.sendError after the reply was sent, with a logger that throws: nothing escapes, the sent reply stands', async t => {
  const logger = stubLogger({ error () { throw new Error('log sink full') } })
  const app = await build(t, { server: { loggerInstance: logger as never, disableRequestLogging: true } })
  app.get('/', (request, reply) => {
    reply.send('ok')
    reply.sendError(new Error('late failure'))
  })
  const res = await app.inject('/')
  t.equal(res.statusCode, 200)
  t.equal(res.body, 'ok')
})
