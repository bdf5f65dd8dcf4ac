import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import type { RateLimitOptions } from '../src/index.js'
import { build, type Teardown } from './helper.js'
import { redisClient, startRedis } from './redis-server.js'

// docs/formats.md, "Rate-limit headers": rateLimit.headerStyle offers the IETF draft's RateLimit and
// RateLimit-Policy fields (draft-ietf-httpapi-ratelimit-headers-10 §4, §5) beside the X-RateLimit-*
// headers each preset documents; Retry-After and retry_after stay equal. Over real sockets.

async function listening (t: Teardown, rateLimit: RateLimitOptions): Promise<string> {
  const app: FastifyInstance = await build(t, { requestId: 'req-1', plugin: { rateLimit } })
  app.get('/things', async () => ({ ok: true }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return `http://127.0.0.1:${address.port}`
}

// RFC 8941 items: a String name and Integer parameters, as the draft's ABNF gives them.
const policy = /^"rate";q=(\d+);w=(\d+)$/
const state = /^"rate";r=(\d+);t=(\d+)$/

async function run (t: Test, rateLimit: RateLimitOptions, label: string): Promise<void> {
  for (const headerStyle of ['ietf', 'both'] as const) {
    // A name space per style: a Redis count outlives the app.
    const base = await listening(t, { ...rateLimit, headerStyle, ...(rateLimit.redis === undefined ? {} : { nameSpace: `ietf-${headerStyle}-` }) })
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${base}/things`)
      t.equal(res.status, 200, `${label} ${headerStyle} #${i}`)
      t.match(res.headers.get('ratelimit-policy'), policy)
      t.strictSame(res.headers.get('ratelimit-policy')?.match(policy)?.slice(1), ['3', '60'], 'q is max, w the window in seconds')
      const [r, reset] = (res.headers.get('ratelimit')?.match(state) ?? []).slice(1).map(Number)
      t.equal(r, 2 - i, `${label} ${headerStyle}: r counts down`)
      t.ok(reset !== undefined && reset >= 1 && reset <= 60, `${label}: t is the seconds to the reset`)
      t.equal(res.headers.get('x-ratelimit-limit'), headerStyle === 'both' ? '3' : null, `${label} ${headerStyle}: X-RateLimit-* only with 'both'`)
      await res.arrayBuffer()
    }
    const limited = await fetch(`${base}/things`)
    t.equal(limited.status, 429)
    const body = await limited.json() as { retry_after: number }
    const retryAfter = Number(limited.headers.get('retry-after'))
    t.equal(body.retry_after, retryAfter, `${label} ${headerStyle}: retry_after equals Retry-After`)
    t.strictSame(limited.headers.get('ratelimit')?.match(state)?.slice(1).map(Number), [0, retryAfter], `${label} ${headerStyle}: RateLimit says r=0 and t equals Retry-After`)
  }
}

t.test('headerStyle ietf and both, with the in-memory store', async t => {
  await run(t, { max: 3, timeWindow: 60_000 }, 'memory')
})

t.test('headerStyle ietf and both, with the Redis store', async t => {
  const redis = await startRedis({ t })
  await run(t, { max: 3, timeWindow: 60_000, redis: await redisClient(redis.port, { t }) }, 'redis')
})

t.test('a quota is a second policy in the same fields', async t => {
  const base = await listening(t, { max: 5, timeWindow: 60_000, headerStyle: 'ietf', quota: { max: 2, timeWindow: 86_400_000 } })
  const res = await fetch(`${base}/things`)
  t.equal(res.headers.get('ratelimit-policy'), '"rate";q=5;w=60, "quota";q=2;w=86400')
  t.match(res.headers.get('ratelimit'), /^"rate";r=4;t=\d+, "quota";r=1;t=\d+$/)
  await res.arrayBuffer()
})

t.test('an async key generator (counted off the synchronous path) reports the same fields, quota too', async t => {
  const base = await listening(t, { max: 5, timeWindow: 60_000, headerStyle: 'ietf', keyGenerator: async () => 'client-1', quota: { max: 2, timeWindow: 86_400_000 } })
  const res = await fetch(`${base}/things`)
  t.equal(res.headers.get('ratelimit-policy'), '"rate";q=5;w=60, "quota";q=2;w=86400')
  t.match(res.headers.get('ratelimit'), /^"rate";r=4;t=\d+, "quota";r=1;t=\d+$/)
  await res.arrayBuffer()
})

t.test('by default only the X-RateLimit-* headers of the preset\'s document', async t => {
  const base = await listening(t, { max: 3, timeWindow: 60_000 })
  const res = await fetch(`${base}/things`)
  t.equal(res.headers.get('x-ratelimit-limit'), '3')
  t.equal(res.headers.get('ratelimit'), null)
  t.equal(res.headers.get('ratelimit-policy'), null)
  await res.arrayBuffer()
})

t.test('headerStyle is checked like every option', async t => {
  const cases: Array<[RateLimitOptions, RegExp]> = [
    [{ max: 1, timeWindow: 1000, headerStyle: 'draft' as never }, /'rateLimit\.headerStyle'.*'x-ratelimit', 'ietf' or 'both'/],
    [{ max: 1, timeWindow: 1000, headerStyle: 'ietf', headers: false }, /'rateLimit\.headerStyle'/],
    [{ max: 1, timeWindow: 1000, headerStyle: 'ietf', headers: { limit: 'a', remaining: 'b', reset: 'c' } }, /'rateLimit\.headers'/],
    [{ max: 1, timeWindow: 1000, headerstyle: 'ietf' } as never, /did you mean 'headerStyle'/]
  ]
  for (const [rateLimit, message] of cases) {
    await t.rejects(build(t, { plugin: { rateLimit } }), { name: 'TypeError', message }, JSON.stringify(rateLimit))
  }
})
