import { createServer } from 'node:net'
import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { ApiError, type PresetName } from '../src/index.js'
import { ApiClientError, fetchWithRetry, parseApiError, type RetryInfo } from '../src/client.js'
import { build } from './helper.js'

// The client helper against our own server on loopback, one server per preset:
// what it reads out of each format, and when it retries.

interface Expected {
  format: ApiClientError['format']
  auth: string
  validation: { status: number, code: string }
  /** A limit that waiting does not lift. */
  quota: { status: number, code: string }
  rate: string
  unavailable: string
  /** Whether the format shows an error's `details` to the client. */
  showsDetails: boolean
}

const expected: Record<PresetName, Expected> = {
  aitbc: { format: 'flat', auth: 'AUTH_INVALID_KEY', validation: { status: 422, code: 'VALIDATION_MISSING_FIELD' }, quota: { status: 429, code: 'RATE_QUOTA_EXCEEDED' }, rate: 'RATE_LIMIT_EXCEEDED', unavailable: 'SYSTEM_OVERLOADED', showsDetails: false },
  genai: { format: 'envelope', auth: 'INVALID_API_KEY', validation: { status: 400, code: 'MISSING_REQUIRED_FIELD' }, quota: { status: 403, code: 'QUOTA_EXCEEDED' }, rate: 'RATE_LIMIT_EXCEEDED', unavailable: 'SERVICE_UNAVAILABLE', showsDetails: true },
  sessions: { format: 'envelope', auth: 'AUTH_INVALID_KEY', validation: { status: 400, code: 'INVALID_REQUEST' }, quota: { status: 429, code: 'SESSION_LIMIT_REACHED' }, rate: 'RATE_LIMIT_EXCEEDED', unavailable: 'SERVICE_UNAVAILABLE', showsDetails: true },
  tokenbay: { format: 'openai', auth: 'invalid_api_key', validation: { status: 400, code: 'invalid_request' }, quota: { status: 429, code: 'api_key_point_limit_exceeded' }, rate: 'account_rate_limited', unavailable: 'service_unavailable', showsDetails: false },
  problem: { format: 'problem', auth: 'UNAUTHORIZED', validation: { status: 422, code: 'VALIDATION_FAILED' }, quota: { status: 429, code: 'QUOTA_EXCEEDED' }, rate: 'RATE_LIMITED', unavailable: 'SERVICE_UNAVAILABLE', showsDetails: false }
}

const presetNames = Object.keys(expected) as PresetName[]
const testTimeout = 10_000

interface Server {
  app: FastifyInstance
  base: string
  /** How many requests reached `path`. */
  hits: (path: string) => number
}

/** The preset's app with one route per case, listening on loopback until the test ends. */
async function start (t: Test, preset: PresetName, setup?: (app: FastifyInstance) => void): Promise<Server> {
  const e = expected[preset]
  const app = await build(t, { plugin: { preset } })
  const counts = new Map<string, number>()
  const hits = (path: string): number => counts.get(path) ?? 0
  app.addHook('onRequest', async request => {
    const path = request.url.split('?')[0] as string
    counts.set(path, hits(path) + 1)
  })
  app.get('/ok', async () => ({ ok: true }))
  app.get('/auth', async () => { throw new ApiError(e.auth, { message: 'Key k-1 is not valid', details: { key_id: 'k-1' } }) })
  app.post('/validate', {
    schema: { body: { type: 'object', required: ['prompt'], properties: { prompt: { type: 'string' } } } }
  }, async () => ({ ok: true }))
  app.get('/quota', async () => { throw new ApiError(e.quota.code) })
  app.get('/rate', async () => { throw new ApiError(e.rate, { retryAfter: 2 }) })
  app.get('/rate-once', async () => {
    if (hits('/rate-once') === 1) throw new ApiError(e.rate, { retryAfter: 1 })
    return { ok: true }
  })
  app.get('/flaky', async () => {
    if (hits('/flaky') < 3) throw new ApiError(e.unavailable)
    return { ok: true }
  })
  app.get('/down', async () => { throw new ApiError(e.unavailable) })
  app.get('/foreign-limit', async () => {
    // Another limiter's 429, as http-errors would throw it, with an HTTP-date Retry-After 5 s ahead.
    throw Object.assign(new Error('Slow down'), { statusCode: 429, headers: { 'retry-after': new Date(Date.now() + 5000).toUTCString() } })
  })
  app.get('/html', async (request, reply) => reply.code(502).type('text/html').send('<h1>bad gateway</h1>'))
  app.get('/token', async request => {
    if (request.headers.authorization === 'Bearer fresh') return { ok: true }
    throw new ApiError('AUTH_EXPIRED_TOKEN', { status: 401 })
  })
  setup?.(app)
  t.teardown(() => app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return { app, base: `http://127.0.0.1:${address.port}`, hits }
}

/** The rejection of `promise`, or a failure when it resolves. */
async function rejection (t: Test, promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (err) {
    return err
  }
  t.fail('expected a rejection')
  return undefined
}

async function clientError (t: Test, promise: Promise<unknown>): Promise<ApiClientError> {
  const err = await rejection(t, promise)
  if (err instanceof ApiClientError) return err
  throw err
}

/** The same request parsed from a real fetch Response and from inject(): both must read the same. */
async function parseBoth (t: Test, server: Server, method: 'GET' | 'POST', path: string, body?: unknown, clock = false): Promise<ApiClientError[]> {
  const init: RequestInit = body === undefined ? { method } : { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
  const response = await fetch(server.base + path, init)
  const requestId = response.headers.get('x-request-id')
  const fromFetch = await parseApiError(response)
  const injected = await server.app.inject(body === undefined ? { method, url: path } : { method, url: path, payload: body as Record<string, unknown> })
  const fromInject = await parseApiError(injected)
  if (fromFetch === undefined || fromInject === undefined) throw new Error(`${path}: no error`)
  t.ok(fromFetch instanceof ApiClientError && fromInject instanceof ApiClientError, `${path}: ApiClientError`)
  t.match(requestId, /^req_/, `${path}: the server sent an id`)
  t.equal(fromFetch.requestId, requestId, `${path}: requestId is the x-request-id (fetch)`)
  t.equal(fromInject.requestId, injected.headers['x-request-id'], `${path}: requestId is the x-request-id (inject)`)
  // A Retry-After date is read against the clock, which moves between the two requests.
  const ignored = { requestId: undefined, body: undefined, ...(clock ? { retryAfterMs: undefined } : {}) }
  t.same({ ...fromInject, ...ignored }, { ...fromFetch, ...ignored }, `${path}: inject reads as fetch does`)
  t.equal(fromInject.message, fromFetch.message, `${path}: same message`)
  return [fromFetch, fromInject]
}

for (const preset of presetNames) {
  const e = expected[preset]

  t.test(`${preset}: parseApiError reads its errors`, { timeout: testTimeout }, async t => {
    const server = await start(t, preset)

    for (const err of await parseBoth(t, server, 'GET', '/auth')) {
      t.equal(err.status, 401)
      t.equal(err.code, e.auth)
      t.equal(err.message, 'Key k-1 is not valid')
      t.equal(err.format, e.format)
      t.same(err.details, e.showsDetails ? { key_id: 'k-1' } : undefined, 'details where the format shows them')
      t.equal(err.field, undefined)
      t.equal(err.retryable, false)
      t.equal(err.retry, 'do_not_retry')
      t.equal(err.retryAfterMs, undefined)
      t.type(err.body, 'object')
    }

    for (const err of await parseBoth(t, server, 'POST', '/validate', {})) {
      t.equal(err.status, e.validation.status)
      t.equal(err.code, e.validation.code)
      t.equal(err.field, 'prompt', 'the field of a validation failure')
      t.match(err.message, /\S/)
      t.equal(err.retryable, false)
      t.equal(err.retry, 'do_not_retry')
    }

    for (const err of await parseBoth(t, server, 'GET', '/quota')) {
      t.equal(err.status, e.quota.status)
      t.equal(err.code, e.quota.code)
      t.equal(err.retryable, false, 'a quota is not lifted by retrying')
      t.equal(err.retry, 'do_not_retry')
    }

    for (const err of await parseBoth(t, server, 'GET', '/rate')) {
      t.equal(err.status, 429)
      t.equal(err.code, e.rate)
      t.equal(err.retryable, true)
      t.equal(err.retry, 'wait_retry_after')
      t.equal(err.retryAfterMs, 2000, 'retryAfter 2 → 2000 ms')
    }

    for (const err of await parseBoth(t, server, 'GET', '/foreign-limit', undefined, true)) {
      t.equal(err.status, 429)
      t.ok(err.retryAfterMs !== undefined && err.retryAfterMs >= 3000 && err.retryAfterMs <= 5000, `a Retry-After date 5 s ahead: ${String(err.retryAfterMs)} ms`)
    }

    for (const err of await parseBoth(t, server, 'GET', '/down')) {
      t.equal(err.status, 503)
      t.equal(err.code, e.unavailable)
      t.equal(err.retryable, true)
      t.equal(err.retry, 'exponential_backoff')
    }

    for (const err of await parseBoth(t, server, 'GET', '/html')) {
      t.equal(err.status, 502)
      t.equal(err.format, 'unknown', 'a non-JSON body')
      t.equal(err.code, 'HTTP_502')
      t.equal(err.message, 'Bad Gateway')
      t.equal(err.body, undefined)
      t.equal(err.retryable, true)
      t.equal(err.retry, 'exponential_backoff')
    }

    t.equal(await parseApiError(await fetch(server.base + '/ok')), undefined, 'a 200 is no error (fetch)')
    t.equal(await parseApiError(await server.app.inject('/ok')), undefined, 'a 200 is no error (inject)')
  })

  t.test(`${preset}: fetchWithRetry retries as its document says`, { timeout: testTimeout }, async t => {
    const server = await start(t, preset)
    const fast = { baseDelayMs: 20, maxDelayMs: 100 }

    for (const [path, status] of [['/auth', 401], ['/quota', e.quota.status]] as const) {
      const err = await clientError(t, fetchWithRetry(server.base + path, {}, fast))
      t.equal(err.status, status, `${path}: thrown`)
      t.equal(server.hits(path), 1, `${path}: not retried`)
    }
    const invalid = await clientError(t, fetchWithRetry(server.base + '/validate', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }, fast))
    t.equal(invalid.field, 'prompt')
    t.equal(server.hits('/validate'), 1, 'a validation error is not retried')

    let started = Date.now()
    const limited = await fetchWithRetry(server.base + '/rate-once', {}, fast)
    t.equal(limited.status, 200, 'a 429 then a success')
    t.ok(Date.now() - started >= 950, `waited Retry-After (1 s): ${Date.now() - started} ms`)
    t.equal(server.hits('/rate-once'), 2)

    const retries: RetryInfo[] = []
    const flaky = await fetchWithRetry(server.base + '/flaky', {}, { ...fast, onRetry: info => retries.push(info) })
    t.same(await flaky.json(), { ok: true }, 'the third attempt succeeds')
    t.equal(server.hits('/flaky'), 3)
    t.same(retries.map(r => [r.attempt, r.retry]), [[1, 'exponential_backoff'], [2, 'exponential_backoff']])
    t.ok(retries.every((r, i) => r.delayMs >= 0 && r.delayMs <= 20 * 2 ** i), 'full jitter stays under the backoff cap')

    const down = await clientError(t, fetchWithRetry(server.base + '/down', {}, { ...fast, maxAttempts: 4 }))
    t.equal(down.code, e.unavailable, 'gives up with the last error')
    t.equal(server.hits('/down'), 4, 'after maxAttempts')

    started = Date.now()
    const tooLong = await clientError(t, fetchWithRetry(server.base + '/rate', {}, { maxElapsedMs: 1500 }))
    t.equal(tooLong.retryAfterMs, 2000)
    t.equal(server.hits('/rate'), 1, 'a 2 s Retry-After does not fit in 1.5 s: not waited for')
    t.ok(Date.now() - started < 1000, 'thrown without waiting')
  })
}

t.test('backoff doubles up to maxDelayMs without jitter, and never undercuts Retry-After', { timeout: testTimeout }, async t => {
  const server = await start(t, 'aitbc', app => {
    app.get('/maintenance', async () => { throw new ApiError('SYSTEM_MAINTENANCE', { retryAfter: 3 }) })
  })
  const waits: number[] = []
  const sleep = async (ms: number): Promise<void> => { waits.push(ms) }
  await clientError(t, fetchWithRetry(server.base + '/down', {}, { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 300, jitter: false, sleep }))
  t.same(waits, [100, 200, 300, 300], 'min(maxDelayMs, baseDelayMs * 2 ** attempt)')
  t.equal(server.hits('/down'), 5)

  // A 503 that says when to come back: backoff waits at least that long.
  waits.length = 0
  await clientError(t, fetchWithRetry(server.base + '/maintenance', {}, { maxAttempts: 2, baseDelayMs: 10, sleep }))
  t.same(waits, [3000])
})

t.test('a 429 without Retry-After backs off instead', { timeout: testTimeout }, async t => {
  const server = await start(t, 'genai', app => {
    app.get('/busy', async () => { throw new ApiError('CONCURRENT_LIMIT_EXCEEDED') })
  })
  const infos: RetryInfo[] = []
  const err = await clientError(t, fetchWithRetry(server.base + '/busy', {}, { baseDelayMs: 40, jitter: false, onRetry: info => infos.push(info) }))
  t.equal(err.retry, 'wait_retry_after')
  t.equal(err.retryAfterMs, undefined)
  t.same(infos.map(i => i.delayMs), [40, 80])
  t.equal(server.hits('/busy'), 3)
})

t.test('an AbortSignal stops fetchWithRetry, also during a wait', { timeout: testTimeout }, async t => {
  const server = await start(t, 'aitbc', app => {
    app.get('/slow', async () => {
      await new Promise(resolve => setTimeout(resolve, 1500))
      return { ok: true }
    })
  })
  const controller = new AbortController()
  const reason = new Error('user went away')
  setTimeout(() => controller.abort(reason), 100)
  const started = Date.now()
  const err = await rejection(t, fetchWithRetry(server.base + '/rate', {}, { signal: controller.signal }))
  t.equal(err, reason, 'rejects with the signal reason')
  t.ok(Date.now() - started < 1000, `during the 2 s wait: ${Date.now() - started} ms`)
  t.equal(server.hits('/rate'), 1)

  const before = await rejection(t, fetchWithRetry(server.base + '/ok', { signal: AbortSignal.abort(reason) }))
  t.equal(before, reason, 'an aborted init.signal: no request at all')
  t.equal(server.hits('/ok'), 0)

  // An abort while the request is in flight.
  const inFlight = new AbortController()
  setTimeout(() => inFlight.abort(reason), 100)
  t.equal(await rejection(t, fetchWithRetry(server.base + '/slow', {}, { signal: inFlight.signal })), reason)
})

t.test('a signal that never aborts leaves the waits as they are: every attempt is made', { timeout: testTimeout }, async t => {
  const server = await start(t, 'genai', app => {
    app.get('/busy', async () => { throw new ApiError('CONCURRENT_LIMIT_EXCEEDED') })
  })
  const controller = new AbortController()
  const infos: RetryInfo[] = []
  const err = await clientError(t, fetchWithRetry(server.base + '/busy', {}, { baseDelayMs: 20, jitter: false, signal: controller.signal, onRetry: info => infos.push(info) }))
  t.equal(err.retry, 'wait_retry_after')
  t.same(infos.map(i => i.delayMs), [20, 40])
  t.equal(server.hits('/busy'), 3)
})

t.test('a network error is retried with backoff, then thrown', { timeout: testTimeout }, async t => {
  const port = await new Promise<number>((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0))
    })
  })
  const infos: RetryInfo[] = []
  const err = await rejection(t, fetchWithRetry(`http://127.0.0.1:${port}/`, {}, { baseDelayMs: 10, onRetry: info => infos.push(info) }))
  t.ok(err instanceof TypeError, 'the network error')
  t.same(infos.map(i => [i.attempt, i.retry]), [[1, 'network_error'], [2, 'network_error']])

  // Other failures of fetch are not network errors: no retry.
  let calls = 0
  const broken: typeof fetch = async () => {
    calls++
    throw new RangeError('bad init')
  }
  t.type(await rejection(t, fetchWithRetry('http://example.invalid/', {}, { fetch: broken })), RangeError)
  t.equal(calls, 1)
})

t.test('sessions AUTH_EXPIRED_TOKEN: refresh once, retry with the new Authorization', { timeout: testTimeout }, async t => {
  const seen: string[] = []
  const server = await start(t, 'sessions', app => {
    app.addHook('onRequest', async request => { if (request.url === '/token') seen.push(String(request.headers.authorization)) })
  })
  const expired = await parseApiError(await server.app.inject('/token'))
  t.equal(expired?.retry, 'refresh_and_retry')
  seen.length = 0

  let refreshes = 0
  const onRefresh = async (): Promise<Record<string, string>> => {
    refreshes++
    return { authorization: 'Bearer fresh' }
  }
  const response = await fetchWithRetry(server.base + '/token', { headers: { authorization: 'Bearer old', 'x-trace': '1' } }, { onRefresh })
  t.equal(response.status, 200)
  t.equal(refreshes, 1)
  t.same(seen, ['Bearer old', 'Bearer fresh'])

  // A token that is still refused after one refresh: thrown, not refreshed again.
  const stale = async (): Promise<Record<string, string>> => {
    refreshes++
    return { authorization: 'Bearer still-old' }
  }
  refreshes = 0
  const err = await clientError(t, fetchWithRetry(server.base + '/token', {}, { onRefresh: stale, maxAttempts: 5 }))
  t.equal(err.code, 'AUTH_EXPIRED_TOKEN')
  t.equal(refreshes, 1)

  // Without onRefresh there is nothing to retry with.
  const before = server.hits('/token')
  await clientError(t, fetchWithRetry(server.base + '/token'))
  t.equal(server.hits('/token') - before, 1)
})

t.test('bodies of other APIs and odd responses', async t => {
  const openai = await parseApiError(new Response(JSON.stringify({ error: { message: 'Bad model', type: 'invalid_request_error', param: 'model', code: null } }), { status: 400, headers: { 'x-request-id': 'req-oa' } }))
  t.match(openai, { format: 'openai', code: 'invalid_request_error', field: 'model', requestId: 'req-oa', retryable: false })

  const problem = await parseApiError(new Response(JSON.stringify({ type: 'https://example.com/probs/out-of-credit', title: 'You do not have enough credit.', status: 403, balance: 30 }), { status: 403 }))
  t.match(problem, { format: 'problem', code: 'HTTP_403', message: 'You do not have enough credit.', details: { balance: 30 }, requestId: undefined, retry: 'do_not_retry' })

  const flat = await parseApiError(new Response(JSON.stringify({ detail: 'Upstream down', error_code: 'SYSTEM_UPSTREAM_ERROR', request_id: 'req-body' }), { status: 502, headers: { 'x-request-id': 'req-header', 'retry-after': '7' } }))
  t.match(flat, { format: 'flat', requestId: 'req-body', retryAfterMs: 7000, retryable: true, retry: 'exponential_backoff' }, "the body's request id wins")

  const told = await parseApiError(new Response('{}', { status: 500, statusText: '', headers: { 'x-should-retry': 'false' } }))
  t.match(told, { format: 'unknown', code: 'HTTP_500', message: 'HTTP 500', retryable: false, retry: 'do_not_retry' }, 'x-should-retry wins over the status')

  const notImplemented = await parseApiError({ statusCode: 501, headers: { 'x-request-id': ['a', 'b'], 'retry-after': 'soon' }, json: () => ({ nope: true }) })
  t.match(notImplemented, { code: 'HTTP_501', message: 'HTTP 501', requestId: 'a, b', retryable: false, retryAfterMs: undefined, body: { nope: true } })

  const dated = await parseApiError(new Response('{}', { status: 503, headers: { 'retry-after': new Date(Date.now() + 5000).toUTCString() } }))
  const wait = dated?.retryAfterMs
  t.ok(wait !== undefined && wait >= 3000 && wait <= 5000, `a Retry-After date 5 s ahead, without a body to say it: ${String(wait)} ms`)

  const bare = await parseApiError(new Response(JSON.stringify({ success: false, error: { code: 'JOB_BUSY', message: 'Busy' } }), { status: 409, headers: { 'x-request-id': 'req-header' } }))
  t.match(bare, { format: 'envelope', code: 'JOB_BUSY', message: 'Busy', requestId: 'req-header' }, 'an envelope without meta: the header gives the request id')

  const unreadable = await parseApiError({ statusCode: 408, statusMessage: 'Request Timeout', headers: {}, json: () => { throw new SyntaxError('no JSON') } })
  t.match(unreadable, { format: 'unknown', message: 'Request Timeout', retryable: true, retry: 'exponential_backoff' })
})

t.test('docUrl leads from each format to the page that documents the error', async t => {
  const formats = ['flat', 'envelope', 'openai', 'problem'] as const
  for (const format of formats) {
    const app = await build(t, { plugin: { format, docs: { prefix: '/errors', docUrl: true, baseUrl: 'https://api.example.com' } } })
    app.get('/', async () => { throw new ApiError('JOB_NOT_FOUND') })
    const error = await parseApiError(await app.inject('/'))
    t.equal(error?.docUrl, 'https://api.example.com/errors/JOB_NOT_FOUND', format)
    const page = await app.inject('/errors/JOB_NOT_FOUND')
    t.equal(page.statusCode, 200, `${format}: the link answers`)
  }
  const plain = await build(t, { plugin: { format: 'problem' } })
  plain.get('/', async () => { throw new ApiError('JOB_NOT_FOUND') })
  t.equal((await parseApiError(await plain.inject('/')))?.docUrl, undefined, 'about:blank documents nothing')
})
