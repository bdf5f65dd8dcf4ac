import { Redis } from 'ioredis'
import t from 'tap'
import type { RateLimitOptions } from '../src/index.js'
import { logCapture } from './helper.js'
import { clientReady, freePort, get, instance, lost, redisClient, startRedis, until, type Answer } from './redis-server.js'

function values (answers: Answer[], header: string): string[] {
  return [...new Set(answers.map(a => a.headers.get(header) ?? '(none)'))]
}

const redis = await startRedis({ t })

for (const preset of ['sessions', 'aitbc'] as const) {
  t.test(`${preset}: two instances on one Redis admit exactly max of 40 concurrent requests and report the same numbers`, async t => {
    const rateLimit = (client: Redis): RateLimitOptions => ({ max: 10, timeWindow: 60000, redis: client, nameSpace: `shared-${preset}-` })
    const a = await instance(t, rateLimit(await redisClient(redis.port, { t })), { preset })
    const b = await instance(t, rateLimit(await redisClient(redis.port, { t })), { preset })

    const before = Date.now()
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => get(`${i % 2 === 0 ? a.base : b.base}/v1/things`)))
    const ok = answers.filter(r => r.status === 200)
    const limited = answers.filter(r => r.status === 429)

    t.equal(ok.length, 10, 'exactly max requests admitted across both instances')
    t.equal(limited.length, 30, 'every other request is rate limited')
    t.same(ok.map(r => Number(r.headers.get('x-ratelimit-remaining'))).sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      'Remaining counts down 9…0 once, across both instances')
    t.same(values(limited, 'x-ratelimit-remaining'), ['0'], 'Remaining never goes negative')

    const fromA = answers.filter((_, i) => i % 2 === 0)
    const fromB = answers.filter((_, i) => i % 2 === 1)
    t.same(values(fromA, 'x-ratelimit-limit'), ['10'])
    t.same(values(fromB, 'x-ratelimit-limit'), ['10'])
    const resets = values(answers, 'x-ratelimit-reset')
    t.equal(resets.length, 1, `one X-RateLimit-Reset on both instances (got ${resets.join(', ')})`)
    const reset = Number(resets[0])
    if (preset === 'sessions') {
      // A Unix timestamp: the window's end, about 60 s from the first request.
      const expected = Math.ceil((before + 60000) / 1000)
      t.ok(Math.abs(reset - expected) <= 2, `Reset ${reset} is a Unix timestamp near ${expected}`)
    } else {
      t.equal(reset, 60, 'Reset in seconds from now')
    }

    for (const r of limited) {
      const retryAfter = r.headers.get('retry-after')
      const requestId = r.headers.get('x-request-id')
      t.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 60, `Retry-After ${retryAfter} within the window`)
      if (preset === 'sessions') {
        t.same(r.body, {
          success: false,
          data: null,
          error: { code: 'RATE_LIMIT_EXCEEDED', message: 'Too many requests', details: {} },
          meta: { request_id: requestId }
        }, 'the sessions 429 envelope')
      } else {
        t.same(r.body, {
          detail: `Rate limit exceeded. Retry after ${retryAfter} seconds`,
          error_code: 'RATE_LIMIT_EXCEEDED',
          retry_after: Number(retryAfter),
          request_id: requestId
        }, 'the aitbc 429 body, retry_after equal to Retry-After')
      }
    }
  })
}

t.test('the quota tier, counted per API key in Redis, is shared by both instances', async t => {
  const quotaHeaders = { limit: 'x-quota-limit', remaining: 'x-quota-remaining', reset: 'x-quota-reset' }
  const rateLimit = (client: Redis): RateLimitOptions => ({
    max: 1000,
    timeWindow: 60000,
    redis: client,
    nameSpace: 'quota-',
    keyGenerator: request => String(request.headers['x-api-key'] ?? 'anonymous'),
    quota: { max: 4, timeWindow: '1 day', headers: quotaHeaders }
  })
  const a = await instance(t, rateLimit(await redisClient(redis.port, { t })))
  const b = await instance(t, rateLimit(await redisClient(redis.port, { t })))
  const keyA = { 'x-api-key': 'key-a' }

  const remaining: string[] = []
  for (const base of [a.base, b.base, a.base, b.base]) {
    const r = await get(`${base}/v1/things`, keyA)
    t.equal(r.status, 200)
    t.equal(r.headers.get('x-quota-limit'), '4')
    remaining.push(r.headers.get('x-quota-remaining') ?? '(none)')
  }
  t.same(remaining, ['3', '2', '1', '0'], 'one quota count across both instances')

  for (const base of [a.base, b.base]) {
    const over = await get(`${base}/v1/things`, keyA)
    t.equal(over.status, 429, 'the fifth request of the key is over its daily quota, on either instance')
    t.equal(over.body.error_code, 'RATE_QUOTA_EXCEEDED')
    t.equal(over.headers.get('x-quota-remaining'), '0')
    t.equal(over.headers.get('x-ratelimit-limit'), '1000', 'the rate tier is not what refused it')
    t.equal(over.body.retry_after, Number(over.headers.get('retry-after')), 'retry_after equals Retry-After')
    t.ok(Number(over.headers.get('retry-after')) > 60000, 'Retry-After points at the end of the day, not the rate window')
  }

  const other = await get(`${b.base}/v1/things`, { 'x-api-key': 'key-b' })
  t.equal(other.status, 200, 'another key has a quota of its own')
  t.equal(other.headers.get('x-quota-remaining'), '3')
})

t.test('Redis killed mid-run, onStoreError open: requests go through with a warning, and the limit is back when Redis is', async t => {
  const own = await startRedis({ t })
  const client = await redisClient(own.port, { t })
  const { stream, lines } = logCapture()
  const { base } = await instance(t, { max: 5, timeWindow: 60000, redis: client, onStoreError: 'open', storeTimeout: 300 }, { logStream: stream })
  const url = `${base}/v1/things`

  const first = await get(url)
  t.equal(first.status, 200)
  t.equal(first.headers.get('x-ratelimit-remaining'), '4')

  own.kill()
  await lost(client)
  // More requests than the limit while Redis is gone: none hangs, none is refused.
  const during = await Promise.all(Array.from({ length: 8 }, () => get(url)))
  t.same(during.map(r => r.status), Array(8).fill(200), 'every request succeeds while the store is down')
  const slowest = Math.max(...during.map(r => r.ms))
  t.ok(slowest < 1000, `each answered within the store timeout plus margin (slowest ${slowest} ms)`)
  t.same(during.map(r => r.body), Array(8).fill({ ok: true }))

  const warnings = lines.filter(l => l.level === 40 && /rate-limit store failed/.test(String(l.msg)))
  t.ok(warnings.length >= 1, 'a warn-level log line says the store failed')
  t.notOk(lines.some(l => Number(l.level) >= 50), 'nothing logged as an error')

  const restarted = await startRedis({ t, port: own.port })
  t.equal(restarted.port, own.port)
  // The client reconnects by itself; the first answer with a count is the first counted request.
  const counted = await until(url, r => r.headers.get('x-ratelimit-remaining') !== null)
  t.equal(counted.status, 200)
  t.equal(counted.headers.get('x-ratelimit-remaining'), '4', 'a fresh window in the restarted Redis')
  const rest = []
  for (let i = 0; i < 5; i++) rest.push(await get(url))
  t.same(rest.map(r => r.status), [200, 200, 200, 200, 429], 'the limit applies again')
  t.same(rest.map(r => r.headers.get('x-ratelimit-remaining')), ['3', '2', '1', '0', '0'])
  t.equal(rest[4]?.body.error_code, 'RATE_LIMIT_EXCEEDED')
})

t.test('Redis killed mid-run, onStoreError closed: the preset 503 envelope, fast, and the limit is back when Redis is', async t => {
  const own = await startRedis({ t })
  const client = await redisClient(own.port, { t })
  const { stream, lines } = logCapture()
  const { base } = await instance(t, { max: 5, timeWindow: 60000, redis: client, onStoreError: 'closed', storeTimeout: 300 }, { logStream: stream })
  const url = `${base}/v1/things`

  const first = await get(url)
  t.equal(first.status, 200)
  t.equal(first.headers.get('x-ratelimit-remaining'), '4')

  own.kill()
  await lost(client)
  const during = await Promise.all(Array.from({ length: 8 }, () => get(url)))
  t.same(during.map(r => r.status), Array(8).fill(503), 'every request is refused with 503 while the store is down')
  const slowest = Math.max(...during.map(r => r.ms))
  t.ok(slowest < 1000, `each answered within the store timeout plus margin (slowest ${slowest} ms)`)
  for (const r of during) {
    t.match(r.headers.get('content-type'), /^application\/json/)
    t.equal(r.headers.get('retry-after'), '1')
    t.same(r.body, { detail: 'System at capacity', error_code: 'SYSTEM_OVERLOADED', retry_after: 1, request_id: r.headers.get('x-request-id') },
      'the aitbc SYSTEM_OVERLOADED envelope')
  }
  t.ok(lines.some(l => l.level === 50 && /rate-limit store failed/.test(String(l.msg))), 'the store failure is logged as an error')

  await startRedis({ t, port: own.port })
  const counted = await until(url, r => r.status === 200)
  t.equal(counted.headers.get('x-ratelimit-remaining'), '4', 'a fresh window in the restarted Redis')
  const rest = []
  for (let i = 0; i < 5; i++) rest.push(await get(url))
  t.same(rest.map(r => r.status), [200, 200, 200, 200, 429], 'the limit applies again')
  t.equal(rest[4]?.body.error_code, 'RATE_LIMIT_EXCEEDED')
})

t.test('an unreachable Redis from the start, onStoreError closed: 503 envelopes within the store timeout', async t => {
  const nobody = await freePort()
  const storeTimeout = 300
  const failFast = await redisClient(nobody, { t, waitReady: false })
  // A client as users often make it: commands wait in the offline queue, so only storeTimeout bounds them.
  const queueing = new Redis({ host: '127.0.0.1', port: nobody, lazyConnect: false })
  queueing.on('error', () => {})
  t.teardown(() => { queueing.disconnect() })

  for (const [name, client] of [['fail-fast client', failFast], ['default ioredis client', queueing]] as const) {
    const { base } = await instance(t, { max: 5, timeWindow: 60000, redis: client, onStoreError: 'closed', storeTimeout })
    const answers = await Promise.all(Array.from({ length: 3 }, () => get(`${base}/v1/things`)))
    for (const r of answers) {
      t.equal(r.status, 503, name)
      t.ok(r.ms < storeTimeout + 500, `${name}: answered in ${r.ms} ms`)
      t.same(r.body, { detail: 'System at capacity', error_code: 'SYSTEM_OVERLOADED', retry_after: 1, request_id: r.headers.get('x-request-id') }, `${name}: the aitbc 503 envelope`)
    }
  }
  t.notOk(await clientReady(failFast, 100).then(() => true, () => false), 'the client never connected')
})
