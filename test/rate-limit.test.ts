import t, { type Test } from 'tap'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import rateLimit from '@fastify/rate-limit'
import underPressure from '@fastify/under-pressure'
import type { PresetName } from '../src/index.js'
import { build } from './helper.js'
import { limited, minute } from './helpers/rate-limit.js'

/** Listens on a free loopback port, closed when the test ends; returns the base URL. */
async function listen (test: Test, app: FastifyInstance): Promise<string> {
  test.teardown(() => app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  return `http://127.0.0.1:${address.port}`
}

const apiKey = (request: FastifyRequest): string => String(request.headers['x-api-key'])

t.test('under concurrency exactly max requests are admitted; Remaining counts down once each, never below 0', async t => {
  const app = await limited(t, { plugin: { rateLimit: { max: 10, timeWindow: minute } } })
  const base = await listen(t, app)
  const started = Date.now()
  const responses = await Promise.all(Array.from({ length: 60 }, () => fetch(`${base}/ok`, { signal: AbortSignal.timeout(4000) })))
  await Promise.all(responses.map(res => res.arrayBuffer()))
  const elapsed = Date.now() - started

  const ok = responses.filter(res => res.status === 200)
  const limitedOut = responses.filter(res => res.status === 429)
  t.equal(ok.length, 10, 'exactly max admitted')
  t.equal(limitedOut.length, 50, 'the rest are 429')

  const remaining = ok.map(res => Number(res.headers.get('x-ratelimit-remaining'))).sort((a, b) => b - a)
  t.strictSame(remaining, [9, 8, 7, 6, 5, 4, 3, 2, 1, 0], 'each Remaining value once')
  for (const res of limitedOut) t.equal(res.headers.get('x-ratelimit-remaining'), '0')
  for (const res of responses) t.equal(res.headers.get('x-ratelimit-limit'), '10')

  // aitbc's Reset counts seconds from now: within one window it only steps down as the clock does
  // (a loaded machine spreads 60 requests over more than a second), never jumps to a new window.
  const resets = responses.map(res => Number(res.headers.get('x-ratelimit-reset')))
  t.ok(Math.max(...resets) - Math.min(...resets) <= Math.ceil(elapsed / 1000), `Reset ${Math.min(...resets)}–${Math.max(...resets)} s moves only with the clock (${elapsed} ms)`)
  t.ok(resets.every(reset => reset <= 60 && reset >= 60 - Math.ceil(elapsed / 1000) - 1), 'one window of 60 s')
})

t.test('X-RateLimit-Reset follows the preset: sessions a Unix timestamp, stable within the window', async t => {
  const app = await limited(t, { plugin: { preset: 'sessions', rateLimit: { max: 5, timeWindow: minute } } })
  const base = await listen(t, app)
  const before = Date.now() / 1000
  const responses = await Promise.all(Array.from({ length: 8 }, () => fetch(`${base}/ok`, { signal: AbortSignal.timeout(4000) })))
  await Promise.all(responses.map(res => res.arrayBuffer()))
  t.strictSame(responses.map(res => res.status).sort(), [200, 200, 200, 200, 200, 429, 429, 429])
  const resets = new Set(responses.map(res => res.headers.get('x-ratelimit-reset')))
  t.equal(resets.size, 1, 'one Reset for the window')
  const reset = Number([...resets][0])
  t.ok(Number.isInteger(reset), 'whole seconds')
  t.ok(Math.abs(reset - (before + 60)) <= 2, `Reset ${reset} ≈ now + 60 s as a Unix timestamp`)
})

t.test('X-RateLimit-Reset: aitbc in seconds from now; resetHeader overrides the preset', async t => {
  for (const [name, plugin] of [
    ['aitbc', { rateLimit: { max: 5, timeWindow: minute } }],
    ["sessions with resetHeader: 'seconds'", { preset: 'sessions' as const, rateLimit: { max: 5, timeWindow: minute, resetHeader: 'seconds' as const } }]
  ] as const) {
    const app = await limited(t, { plugin })
    const first = await app.inject('/ok')
    const second = await app.inject('/ok')
    const reset = Number(first.headers['x-ratelimit-reset'])
    t.ok(Number.isInteger(reset) && reset >= 1 && reset <= 60, `${name}: Reset ${reset} is seconds within the window`)
    t.equal(second.headers['x-ratelimit-reset'], first.headers['x-ratelimit-reset'], `${name}: stable within the window`)
  }
  const unix = await limited(t, { plugin: { rateLimit: { max: 5, timeWindow: minute, resetHeader: 'unix' } } })
  const res = await unix.inject('/ok')
  t.ok(Math.abs(Number(res.headers['x-ratelimit-reset']) - (Date.now() / 1000 + 60)) <= 2, "resetHeader: 'unix' on aitbc")
})

t.test('the rate-limit headers are on successes; headers: false sends none; names can be changed', async t => {
  const app = await limited(t, { plugin: { rateLimit: { max: 2, timeWindow: minute } } })
  const first = await app.inject('/ok')
  t.equal(first.statusCode, 200)
  t.equal(first.headers['x-ratelimit-limit'], '2')
  t.equal(first.headers['x-ratelimit-remaining'], '1')
  t.ok(Number(first.headers['x-ratelimit-reset']) > 0)
  t.notOk('retry-after' in first.headers, 'no Retry-After on a success')

  const off = await limited(t, { plugin: { rateLimit: { max: 1, timeWindow: minute, headers: false } } })
  const okOff = await off.inject('/ok')
  const deniedOff = await off.inject('/ok')
  t.equal(okOff.statusCode, 200)
  t.equal(deniedOff.statusCode, 429)
  for (const res of [okOff, deniedOff]) {
    for (const name of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']) t.notOk(name in res.headers, `no ${name}`)
  }
  t.ok(Number(deniedOff.headers['retry-after']) >= 1, 'the 429 still has Retry-After')

  const named = await limited(t, { plugin: { rateLimit: { max: 1, timeWindow: minute, headers: { limit: 'RateLimit-Limit', remaining: 'RateLimit-Remaining', reset: 'RateLimit-Reset' } } } })
  const okNamed = await named.inject('/ok')
  const deniedNamed = await named.inject('/ok')
  t.equal(okNamed.headers['ratelimit-limit'], '1')
  t.equal(okNamed.headers['ratelimit-remaining'], '0')
  t.ok(Number(okNamed.headers['ratelimit-reset']) >= 1)
  t.equal(deniedNamed.headers['ratelimit-remaining'], '0')
  t.notOk('x-ratelimit-limit' in okNamed.headers, 'the default names are not sent as well')
})

t.test('aitbc 429: the seed body, retry_after equal to Retry-After', async t => {
  const app = await limited(t, { plugin: { rateLimit: { max: 1, timeWindow: minute } }, requestId: 'req-rl' })
  t.equal((await app.inject('/ok')).statusCode, 200)
  const res = await app.inject('/ok')
  t.equal(res.statusCode, 429)
  const retryAfter = Number(res.headers['retry-after'])
  t.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter} is whole seconds`)
  t.strictSame(res.json(), {
    detail: `Rate limit exceeded. Retry after ${retryAfter} seconds`,
    error_code: 'RATE_LIMIT_EXCEEDED',
    request_id: 'req-rl',
    retry_after: retryAfter
  })
  t.equal(res.headers['x-request-id'], 'req-rl')
  t.notOk('x-should-retry' in res.headers, 'no OpenAI retry headers unless asked for')
})

t.test('a window shorter than a second still says retry_after ≥ 1', async t => {
  const app = await limited(t, { plugin: { rateLimit: { max: 1, timeWindow: 300 } } })
  await app.inject('/ok')
  const res = await app.inject('/ok')
  t.equal(res.statusCode, 429)
  t.equal(res.headers['retry-after'], '1')
  t.equal(res.json().retry_after, 1)
})

t.test("every preset's 429 body and headers", async t => {
  const cases: Array<{ preset: PresetName, check: (res: Awaited<ReturnType<FastifyInstance['inject']>>, retryAfter: number) => void }> = [
    {
      preset: 'sessions',
      check: (res) => t.strictSame(res.json(), {
        success: false,
        data: null,
        error: { code: 'RATE_LIMIT_EXCEEDED', message: 'Too many requests', details: {} },
        meta: { request_id: 'req-rl' }
      })
    },
    {
      preset: 'genai',
      check: (res) => t.strictSame(res.json(), {
        success: false,
        error: { code: 'RATE_LIMIT_EXCEEDED', message: 'Rate limit exceeded' },
        meta: { request_id: 'req-rl', timestamp: '2024-01-01T00:00:00Z' }
      })
    },
    {
      preset: 'tokenbay',
      check: (res, retryAfter) => {
        t.strictSame(res.json(), { error: { message: 'Account request rate limit exceeded', type: 'rate_limit_error', code: 'account_rate_limited' } })
        t.equal(res.headers['x-should-retry'], 'true', 'a rate limit is worth retrying')
        t.equal(res.headers['retry-after-ms'], String(retryAfter * 1000))
      }
    },
    {
      preset: 'problem',
      check: (res, retryAfter) => {
        t.match(res.headers['content-type'], /^application\/problem\+json/)
        t.strictSame(res.json(), {
          type: 'about:blank',
          title: 'Too Many Requests',
          status: 429,
          detail: `Too many requests; retry after ${retryAfter} seconds`,
          instance: '/ok',
          code: 'RATE_LIMITED',
          request_id: 'req-rl'
        })
      }
    }
  ]
  for (const { preset, check } of cases) {
    const app = await limited(t, { plugin: { preset, rateLimit: { max: 1, timeWindow: minute } }, requestId: 'req-rl' })
    const ok = await app.inject('/ok')
    t.equal(ok.statusCode, 200, `${preset}: first admitted`)
    t.equal(ok.headers['x-ratelimit-remaining'], '0', `${preset}: headers on the success`)
    const res = await app.inject('/ok')
    t.equal(res.statusCode, 429, `${preset}: 429`)
    const retryAfter = Number(res.headers['retry-after'])
    t.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `${preset}: Retry-After in whole seconds`)
    t.equal(res.headers['x-ratelimit-limit'], '1', `${preset}: X-RateLimit-Limit on the 429`)
    t.equal(res.headers['x-ratelimit-remaining'], '0', `${preset}: X-RateLimit-Remaining on the 429`)
    check(res, retryAfter)
  }
})

t.test('quota tier: the third request of a key gets the preset\'s quota code; other keys are unaffected', async t => {
  const cases: Array<{ preset: PresetName, status: number, code: (body: any) => unknown, expected: string, retry?: string }> = [
    { preset: 'aitbc', status: 429, code: body => body.error_code, expected: 'RATE_QUOTA_EXCEEDED' },
    { preset: 'genai', status: 403, code: body => body.error.code, expected: 'QUOTA_EXCEEDED' },
    { preset: 'tokenbay', status: 429, code: body => body.error.code, expected: 'api_key_point_limit_exceeded', retry: 'false' }
  ]
  for (const { preset, status, code, expected, retry } of cases) {
    const app = await limited(t, {
      plugin: { preset, rateLimit: { max: 100, timeWindow: minute, quota: { max: 2, timeWindow: '1 day', keyGenerator: apiKey } } }
    })
    const a = { url: '/ok', headers: { 'x-api-key': 'key-a' } }
    t.equal((await app.inject(a)).statusCode, 200)
    t.equal((await app.inject(a)).statusCode, 200)
    const third = await app.inject(a)
    t.equal(third.statusCode, status, `${preset}: quota status`)
    t.equal(code(third.json()), expected, `${preset}: quota code`)
    const retryAfter = Number(third.headers['retry-after'])
    t.ok(retryAfter > 60 && retryAfter <= 86_400, `${preset}: Retry-After ${retryAfter} is the rest of the day, not the rate window`)
    if (retry !== undefined) t.equal(third.headers['x-should-retry'], retry, `${preset}: do not retry a spent quota`)
    t.equal(third.headers['x-ratelimit-limit'], '100', `${preset}: the rate tier's headers still describe the rate tier`)

    const b = await app.inject({ url: '/ok', headers: { 'x-api-key': 'key-b' } })
    t.equal(b.statusCode, 200, `${preset}: another key is unaffected`)
  }
})

t.test('aitbc quota body', async t => {
  const app = await limited(t, {
    plugin: { rateLimit: { max: 100, timeWindow: minute, quota: { max: 1, timeWindow: '1 day', keyGenerator: apiKey } } },
    requestId: 'req-q'
  })
  await app.inject({ url: '/ok', headers: { 'x-api-key': 'k' } })
  const res = await app.inject({ url: '/ok', headers: { 'x-api-key': 'k' } })
  t.equal(res.statusCode, 429)
  const retryAfter = Number(res.headers['retry-after'])
  t.strictSame(res.json(), { detail: 'Daily/monthly quota hit', error_code: 'RATE_QUOTA_EXCEEDED', request_id: 'req-q', retry_after: retryAfter })
})

t.test('quota headers are sent when configured, and only then', async t => {
  const headers = { limit: 'x-quota-limit', remaining: 'x-quota-remaining', reset: 'x-quota-reset' }
  const app = await limited(t, {
    plugin: { rateLimit: { max: 100, timeWindow: minute, quota: { max: 2, timeWindow: '1 day', keyGenerator: apiKey, headers } } }
  })
  const req = { url: '/ok', headers: { 'x-api-key': 'k' } }
  const first = await app.inject(req)
  const second = await app.inject(req)
  const third = await app.inject(req)
  t.equal(first.headers['x-quota-limit'], '2')
  t.equal(first.headers['x-quota-remaining'], '1')
  t.equal(second.headers['x-quota-remaining'], '0')
  t.equal(third.statusCode, 429)
  t.equal(third.headers['x-quota-remaining'], '0')
  const reset = Number(first.headers['x-quota-reset'])
  t.ok(reset > 60 && reset <= 86_400, `quota Reset ${reset} is in seconds until the day ends`)
  t.equal(first.headers['x-ratelimit-limit'], '100', 'the rate tier keeps its own headers')
  t.equal(first.headers['x-ratelimit-remaining'], '99')

  const without = await limited(t, { plugin: { rateLimit: { max: 100, timeWindow: minute, quota: { max: 2, timeWindow: '1 day', keyGenerator: apiKey } } } })
  const res = await without.inject(req)
  t.notOk(Object.keys(res.headers).some(name => name.includes('quota')), 'no quota headers by default')
  t.equal(res.headers['x-ratelimit-limit'], '100', 'and the rate headers are the rate tier\'s')
})

t.test('both tiers on one route: the lower one answers first', async t => {
  const app = await limited(t, {
    plugin: { rateLimit: { max: 2, timeWindow: minute, quota: { max: 3, timeWindow: '1 day', keyGenerator: apiKey } } }
  })
  const req = { url: '/ok', headers: { 'x-api-key': 'k' } }
  t.equal((await app.inject(req)).statusCode, 200)
  t.equal((await app.inject(req)).statusCode, 200)
  const third = await app.inject(req)
  t.equal(third.statusCode, 429)
  t.equal(third.json().error_code, 'RATE_LIMIT_EXCEEDED', 'the rate limit, not the quota')
  t.ok(Number(third.headers['retry-after']) <= 60, 'with the rate window\'s wait')
})

t.test('per-route limits count apart from the global limit and from each other', async t => {
  const app = await build(t, { plugin: { rateLimit: { max: 100, timeWindow: minute } } })
  app.get('/global', async () => ({ ok: true }))
  app.get('/one', { config: { rateLimit: { max: 1, timeWindow: minute } } }, async () => ({ ok: true }))
  app.get('/two', { config: { rateLimit: { max: 1, timeWindow: minute } } }, async () => ({ ok: true }))

  t.equal((await app.inject('/global')).headers['x-ratelimit-remaining'], '99')
  const one = await app.inject('/one')
  t.equal(one.statusCode, 200)
  t.equal(one.headers['x-ratelimit-limit'], '1', "the route's own limit is reported")
  t.equal((await app.inject('/one')).statusCode, 429)
  t.equal((await app.inject('/two')).statusCode, 200, 'another route with its own limit counts apart')
  const global = await app.inject('/global')
  t.equal(global.statusCode, 200)
  t.equal(global.headers['x-ratelimit-remaining'], '98', 'requests to limited routes do not use up the global limit')
})

t.test('config.rateLimit: false is never limited and sends no headers', async t => {
  const app = await build(t, { plugin: { preset: 'sessions', rateLimit: { max: 1, timeWindow: minute } } })
  app.get('/health', { config: { rateLimit: false } }, async () => ({ ok: true }))
  for (let i = 0; i < 3; i++) {
    const res = await app.inject('/health')
    t.equal(res.statusCode, 200)
    t.notOk('x-ratelimit-remaining' in res.headers)
    t.notOk('x-ratelimit-limit' in res.headers)
  }
})

t.test('a custom keyGenerator separates clients', async t => {
  const app = await limited(t, { plugin: { rateLimit: { max: 1, timeWindow: minute, keyGenerator: req => String(req.headers['x-client']) } } })
  t.equal((await app.inject({ url: '/ok', headers: { 'x-client': 'a' } })).statusCode, 200)
  t.equal((await app.inject({ url: '/ok', headers: { 'x-client': 'a' } })).statusCode, 429)
  t.equal((await app.inject({ url: '/ok', headers: { 'x-client': 'b' } })).statusCode, 200, 'same IP, other client')
})

t.test('an invalid route rateLimit config fails with a TypeError naming the route', async t => {
  const app = await build(t, { plugin: { rateLimit: { max: 10, timeWindow: minute } } })
  let error: unknown
  try {
    app.get('/bad', { config: { rateLimit: { max: 'x' as unknown as number } } }, async () => ({ ok: true }))
    await app.ready()
  } catch (err) {
    error = err
  }
  t.type(error, TypeError)
  t.match((error as Error).message, /GET \/bad/)
  t.match((error as Error).message, /max/)
})

t.test('unmatched routes count against the limit and carry its headers', async t => {
  const app = await limited(t, { plugin: { preset: 'sessions', rateLimit: { max: 2, timeWindow: minute } } })
  const first = await app.inject('/nope')
  t.equal(first.statusCode, 404)
  t.equal(first.json().error.code, 'NOT_FOUND')
  t.equal(first.headers['x-ratelimit-limit'], '2')
  t.equal(first.headers['x-ratelimit-remaining'], '1')
  t.ok(Math.abs(Number(first.headers['x-ratelimit-reset']) - (Date.now() / 1000 + 60)) <= 2, 'Reset as a Unix timestamp')
  t.equal((await app.inject('/ok')).headers['x-ratelimit-remaining'], '0', 'the 404 used up one request')
  const third = await app.inject('/elsewhere')
  t.equal(third.statusCode, 429)
  t.equal(third.json().error.code, 'RATE_LIMIT_EXCEEDED')
  t.ok(Number(third.headers['retry-after']) >= 1)
})

t.test("a user's own @fastify/rate-limit gets the preset's envelope", async t => {
  const app = await build(t, { requestId: 'req-own' })
  await app.register(rateLimit, { max: 1, timeWindow: minute })
  app.get('/ok', async () => ({ ok: true }))
  t.equal((await app.inject('/ok')).statusCode, 200)
  const res = await app.inject('/ok')
  t.equal(res.statusCode, 429)
  const retryAfter = Number(res.headers['retry-after'])
  t.ok(Number.isInteger(retryAfter) && retryAfter >= 1, 'its Retry-After is kept')
  t.strictSame(res.json(), {
    detail: `Rate limit exceeded. Retry after ${retryAfter} seconds`,
    error_code: 'RATE_LIMIT_EXCEEDED',
    request_id: 'req-own',
    retry_after: retryAfter
  })

  const tokenbay = await build(t, { plugin: { preset: 'tokenbay' } })
  await tokenbay.register(rateLimit, { max: 1, timeWindow: minute })
  tokenbay.get('/ok', async () => ({ ok: true }))
  await tokenbay.inject('/ok')
  const tb = await tokenbay.inject('/ok')
  t.equal(tb.statusCode, 429)
  t.equal(tb.json().error.type, 'rate_limit_error')
  t.ok(['rate_limited', 'account_rate_limited'].includes(tb.json().error.code), `tokenbay 429 code ${String(tb.json().error.code)}`)
  t.equal(tb.headers['retry-after-ms'], String(Number(tb.headers['retry-after']) * 1000))
})

t.test("@fastify/under-pressure: the preset's overload 503 with Retry-After", async t => {
  const cases: Array<{ preset: PresetName, code: (body: any) => unknown, expected: string }> = [
    { preset: 'aitbc', code: body => body.error_code, expected: 'SYSTEM_OVERLOADED' },
    { preset: 'genai', code: body => body.error.code, expected: 'OVERLOADED' },
    { preset: 'tokenbay', code: body => body.error.code, expected: 'service_unavailable' }
  ]
  for (const { preset, code, expected } of cases) {
    const app = await build(t, { plugin: { preset }, requestId: 'req-up' })
    await app.register(underPressure, { healthCheck: async () => false, healthCheckInterval: 100, retryAfter: 7 })
    app.get('/ok', async () => ({ ok: true }))
    const res = await app.inject('/ok')
    t.equal(res.statusCode, 503, `${preset}: 503`)
    t.equal(code(res.json()), expected, `${preset}: ${expected}`)
    t.equal(res.headers['retry-after'], '7', `${preset}: Retry-After`)
    t.equal(res.headers['x-request-id'], 'req-up')
    if (preset === 'aitbc') t.strictSame(res.json(), { detail: 'System at capacity', error_code: 'SYSTEM_OVERLOADED', request_id: 'req-up', retry_after: 7 })
    if (preset === 'tokenbay') t.equal(res.headers['x-should-retry'], 'true', 'overload is worth retrying')
  }
})

t.test('maintenance: every route and unmatched ones answer the maintenance 503; setMaintenance toggles it', async t => {
  const app = await build(t, { plugin: { maintenance: { enabled: true, retryAfter: 120 } }, requestId: 'req-m' })
  app.get('/ok', async () => ({ ok: true }))
  app.post('/jobs', async () => ({ id: 'job-1' }))

  for (const req of [{ url: '/ok' }, { method: 'POST' as const, url: '/jobs', payload: {} }, { url: '/nope' }]) {
    const res = await app.inject(req)
    t.equal(res.statusCode, 503, `${req.url}: 503`)
    t.equal(res.headers['retry-after'], '120', `${req.url}: Retry-After`)
    t.strictSame(res.json(), { detail: 'Scheduled maintenance', error_code: 'SYSTEM_MAINTENANCE', request_id: 'req-m', retry_after: 120 })
  }

  app.setMaintenance(false)
  const open = await app.inject('/ok')
  t.equal(open.statusCode, 200)
  t.notOk('retry-after' in open.headers)
  t.equal((await app.inject('/nope')).statusCode, 404)

  app.setMaintenance(true, 30)
  const again = await app.inject('/ok')
  t.equal(again.statusCode, 503)
  t.equal(again.headers['retry-after'], '30')
  t.equal(again.json().retry_after, 30)
})

t.test('maintenance in other presets', async t => {
  const sessions = await build(t, { plugin: { preset: 'sessions', maintenance: { enabled: true, retryAfter: 60 } } })
  sessions.get('/ok', async () => ({ ok: true }))
  const res = await sessions.inject('/ok')
  t.equal(res.statusCode, 503)
  t.equal(res.json().error.code, 'SERVICE_UNAVAILABLE')
  t.equal(res.headers['retry-after'], '60')

  const tokenbay = await build(t, { plugin: { preset: 'tokenbay', maintenance: { enabled: true, retryAfter: 60 } } })
  tokenbay.get('/ok', async () => ({ ok: true }))
  const tb = await tokenbay.inject('/ok')
  t.equal(tb.statusCode, 503)
  t.equal(tb.json().error.code, 'service_unavailable')
  t.equal(tb.headers['x-should-retry'], 'true')
  t.equal(tb.headers['retry-after-ms'], '60000')
})

t.test('a route with its own limit keeps the quota tier, can replace it, or drop it', async t => {
  const app = await limited(t, { plugin: { rateLimit: { max: 100, timeWindow: minute, keyGenerator: apiKey, quota: { max: 2, timeWindow: '1 day' } } } })
  app.get('/shared-quota', { config: { rateLimit: { max: 50 } } }, async () => ({ ok: true }))
  app.get('/own-quota', { config: { rateLimit: { max: 50, quota: { max: 1 } } } }, async () => ({ ok: true }))
  app.get('/no-quota', { config: { rateLimit: { max: 50, quota: false } } }, async () => ({ ok: true }))
  const headers = { 'x-api-key': 'k1' }
  const codes = async (url: string, n: number): Promise<number[]> => {
    const out: number[] = []
    for (let i = 0; i < n; i++) out.push((await app.inject({ url, headers })).statusCode)
    return out
  }
  t.same(await codes('/own-quota', 2), [200, 429], 'its own quota of 1')
  t.same(await codes('/shared-quota', 3), [200, 200, 429], 'the global quota of 2')
  t.same(await codes('/no-quota', 4), [200, 200, 200, 200], 'no quota at all')
})

t.test("a route's own hooks given as a list all run, after the limiter", async t => {
  const app = await build(t, { plugin: { rateLimit: { max: 2, timeWindow: minute } } })
  const ran: string[] = []
  app.get('/listed', {
    onRequest: [
      async () => { ran.push('first') },
      async () => { ran.push('second') }
    ]
  }, async () => ({ ok: true }))
  const statuses = []
  for (let i = 0; i < 3; i++) statuses.push((await app.inject('/listed')).statusCode)
  t.same(statuses, [200, 200, 429])
  t.same(ran, ['first', 'second', 'first', 'second'], 'both ran for each admitted request, none for the limited one')
})
