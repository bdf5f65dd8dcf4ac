// The success path of a limited route: the in-memory store counts without a promise, and every
// mix of synchronous and asynchronous tiers still counts, reports and refuses as before.
import { createHook } from 'node:async_hooks'
import type { FastifyInstance, FastifyRequest, LightMyRequestResponse } from 'fastify'
import t from 'tap'
import { build } from './helper.js'
import { minute } from './helpers/rate-limit.js'

const apiKey = (request: FastifyRequest): string => String(request.headers['x-api-key'])
const laterKey = async (request: FastifyRequest): Promise<string> => await Promise.resolve(apiKey(request))

/** Promises created while `inject` answers `url` once. */
async function promisesOf (app: FastifyInstance, url: string): Promise<number> {
  let created = 0
  const hook = createHook({ init (_id, type) { if (type === 'PROMISE') created++ } })
  hook.enable()
  const res = await app.inject(url)
  hook.disable()
  if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode}`)
  return created
}

t.test('a request the in-memory limit lets through creates no more promises than one on an unlimited route', async t => {
  for (const hook of ['onRequest', 'preParsing', 'preValidation', 'preHandler'] as const) {
    const app = await build(t, { plugin: { rateLimit: { max: 1000, timeWindow: minute, hook, quota: { max: 1000, timeWindow: '1 day' } } } })
    // Callback handlers: the only promises are inject's own and whatever the hooks make.
    app.get('/limited', (_request, reply) => { reply.send('ok') })
    app.get('/free', { config: { rateLimit: false } }, (_request, reply) => { reply.send('ok') })
    for (let i = 0; i < 5; i++) { await promisesOf(app, '/limited'); await promisesOf(app, '/free') }
    const limited = await promisesOf(app, '/limited')
    const free = await promisesOf(app, '/free')
    t.equal(limited, free, `${hook}: both tiers counted, no promise more (${limited} vs ${free})`)
    const res = await app.inject('/limited')
    t.equal(res.headers['x-ratelimit-limit'], '1000', `${hook}: and reported`)
    t.equal(res.headers['x-ratelimit-remaining'], String(1000 - 7), `${hook}: every request counted once`)
  }
})

t.test('synchronous and asynchronous key generators in either tier: counted, reported and refused the same', async t => {
  const headers = { limit: 'x-quota-limit', remaining: 'x-quota-remaining', reset: 'x-quota-reset' }
  const mixes = [
    ['sync rate, sync quota', undefined, apiKey],
    ['sync rate, async quota', undefined, laterKey],
    ['async rate, sync quota', laterKey, apiKey],
    ['async rate, async quota', laterKey, laterKey]
  ] as const
  for (const [name, rateKey, quotaKey] of mixes) {
    const app = await build(t, {
      plugin: {
        rateLimit: {
          max: 3,
          timeWindow: minute,
          ...(rateKey === undefined ? {} : { keyGenerator: rateKey }),
          quota: { max: 2, timeWindow: '1 day', keyGenerator: quotaKey, headers }
        }
      }
    })
    app.get('/ok', async () => ({ ok: true }))
    const send = async (key: string): Promise<LightMyRequestResponse> => await app.inject({ url: '/ok', headers: { 'x-api-key': key } })
    const first = await send('a')
    t.equal(first.statusCode, 200, `${name}: first passes`)
    t.equal(first.headers['x-ratelimit-remaining'], '2', `${name}: rate counted`)
    t.equal(first.headers['x-quota-remaining'], '1', `${name}: quota counted`)
    t.equal((await send('a')).headers['x-quota-remaining'], '0', `${name}: second`)
    const third = await send('a')
    t.equal(third.statusCode, 429, `${name}: the quota refuses the third`)
    t.equal(third.json().error_code, 'RATE_QUOTA_EXCEEDED', `${name}: as the quota`)
    t.equal(third.headers['x-ratelimit-remaining'], '0', `${name}: the rate tier counted it before the quota refused`)
    const other = await send('b')
    if (rateKey === undefined) {
      t.equal(other.json().error_code, 'RATE_LIMIT_EXCEEDED', `${name}: the rate tier keys by address: the fourth request is refused`)
      t.equal(other.headers['x-quota-remaining'], undefined, `${name}: before the quota counts it`)
    } else {
      t.equal(other.statusCode, 200, `${name}: the rate tier keys by API key`)
      t.equal(other.headers['x-quota-remaining'], '1', `${name}: another key's quota is its own`)
    }
  }
})

t.test('a key generator that rejects, even with no reason, fails the request instead of letting it through', async t => {
  for (const reason of [new Error('key store down'), undefined, null]) {
    const app = await build(t, { plugin: { rateLimit: { max: 10, timeWindow: minute, keyGenerator: async () => await Promise.reject(reason) } } })
    app.get('/ok', async () => ({ ok: true }))
    const res = await app.inject('/ok')
    t.equal(res.statusCode, 500, `${String(reason)}: the internal error`)
    t.equal(res.json().error_code, 'SYSTEM_INTERNAL_ERROR', `${String(reason)}: as the envelope`)
  }
})
