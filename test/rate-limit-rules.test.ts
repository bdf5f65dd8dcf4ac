import t from 'tap'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import rateLimit from '@fastify/rate-limit'
import { build } from './helper.js'
import { limited, minute, registerError } from './helpers/rate-limit.js'

t.test('the in-memory store remembers 5,000 keys by default; rateLimit.cache raises that', async t => {
  const byHeader = (request: FastifyRequest): string => String(request.headers['x-key'])
  const spray = async (app: FastifyInstance, n: number): Promise<void> => {
    for (let i = 0; i < n; i++) await app.inject({ url: '/ok', headers: { 'x-key': `junk-${i}` } })
  }
  const victim = { url: '/ok', headers: { 'x-key': 'victim' } }

  const byDefault = await limited(t, { plugin: { rateLimit: { max: 1, timeWindow: minute, keyGenerator: byHeader } } })
  t.equal((await byDefault.inject(victim)).statusCode, 200)
  t.equal((await byDefault.inject(victim)).statusCode, 429)
  await spray(byDefault, 5000)
  t.equal((await byDefault.inject(victim)).statusCode, 200, 'after 5,000 other keys the exhausted one is forgotten (the documented default)')

  const larger = await limited(t, { plugin: { rateLimit: { max: 1, timeWindow: minute, keyGenerator: byHeader, cache: 6000 } } })
  t.equal((await larger.inject(victim)).statusCode, 200)
  await spray(larger, 5000)
  t.equal((await larger.inject(victim)).statusCode, 429, 'with cache: 6000 it is still remembered')

  for (const bad of [0, -1, 1.5, '100', Number.POSITIVE_INFINITY]) {
    const err = await registerError({ max: 1, timeWindow: minute, cache: bad })
    t.type(err, TypeError, `cache: ${String(bad)} is refused`)
    t.match(err?.message, /option 'rateLimit\.cache' expects/)
  }
})

t.test("hook: 'preHandler' runs after auth, so a keyGenerator can use what auth found", async t => {
  const app = await build(t, { plugin: { rateLimit: { max: 1, timeWindow: minute, hook: 'preHandler', keyGenerator: request => String((request as unknown as { user: string }).user) } } })
  app.addHook('preValidation', async request => { (request as unknown as { user: string }).user = String(request.headers['x-user']) })
  app.get('/me', async () => ({ ok: true }))
  t.equal((await app.inject({ url: '/me', headers: { 'x-user': 'ann' } })).statusCode, 200)
  t.equal((await app.inject({ url: '/me', headers: { 'x-user': 'ann' } })).statusCode, 429)
  t.equal((await app.inject({ url: '/me', headers: { 'x-user': 'bob' } })).statusCode, 200, 'counted per user')
  const miss = await app.inject({ url: '/nope', headers: { 'x-user': 'bob' } })
  t.equal(miss.statusCode, 429, 'unmatched routes count in the same stage')

  for (const hook of ['onSend', 'onrequest', true]) {
    const err = await registerError({ max: 1, timeWindow: minute, hook })
    t.type(err, TypeError, `hook: ${String(hook)} is refused`)
    t.match(err?.message, /option 'rateLimit\.hook' expects 'onRequest', 'preParsing', 'preValidation' or 'preHandler'/)
  }
  for (const hook of ['onRequest', 'preParsing', 'preValidation', 'preHandler'] as const) {
    const one = await limited(t, { plugin: { rateLimit: { max: 1, timeWindow: minute, hook } } })
    t.same([(await one.inject('/ok')).statusCode, (await one.inject('/ok')).statusCode], [200, 429], `hook: '${hook}' limits`)
  }
})

t.test('unknown nested keys of rateLimit are refused, naming them', async t => {
  const cases: Array<[unknown, RegExp]> = [
    [{ max: 1, timeWindow: minute, quota: { max: 1, timeWindow: '1 day', headrs: {} } }, /unknown option 'rateLimit\.quota\.headrs'/],
    [{ max: 1, timeWindow: minute, headers: { limit: 'a', remaining: 'b', reset: 'c', limt: 'd' } }, /unknown option 'rateLimit\.headers\.limt'/],
    [{ max: 1, timeWindow: minute, quota: { max: 1, timeWindow: '1 day', headers: { limit: 'a', remaining: 'b', reset: 'c', rset: 'd' } } }, /unknown option 'rateLimit\.quota\.headers\.rset'/],
    [{ max: 1, timeWindow: minute, breaker: { cooldwn: 5 } }, /unknown option 'rateLimit\.breaker\.cooldwn'/],
    [{ max: 1, timeWindow: minute, breaker: { cooldown: -1 } }, /option 'rateLimit\.breaker\.cooldown' expects/],
    [{ max: 1, timeWindow: minute, breaker: 5 }, /option 'rateLimit\.breaker' expects/],
    [{ max: 1, timeWindow: minute, cache: 10_000, redis: { defineCommand () {} } }, /option 'rateLimit\.cache' expects no value with rateLimit\.redis/]
  ]
  for (const [option, message] of cases) {
    const err = await registerError(option)
    t.type(err, TypeError)
    t.match(err?.message, message)
  }
})

t.test("a route's config.rateLimit is checked like the plugin's, naming the route", async t => {
  const cases: Array<[unknown, RegExp]> = [
    [{ max: 1, timeWindw: minute }, /unknown option 'config\.rateLimit\.timeWindw' of route GET \/bad/],
    [{ max: 1, timeWindow: '1 fortnight' }, /option 'config\.rateLimit\.timeWindow' of route GET \/bad expects/],
    [{ max: 1, quota: { max: 1, timeWindow: 'soon' } }, /option 'config\.rateLimit\.quota\.timeWindow' of route GET \/bad expects/],
    [{ max: 1, quota: { mx: 1 } }, /unknown option 'config\.rateLimit\.quota\.mx' of route GET \/bad/],
    [{ max: 1, groupId: 7 }, /option 'config\.rateLimit\.groupId' of route GET \/bad expects/],
    [{ max: 1, quota: 3 }, /option 'config\.rateLimit\.quota' of route GET \/bad expects/],
    ['fast', /option 'config\.rateLimit' of route GET \/bad expects/]
  ]
  for (const [config, message] of cases) {
    const app = await build(t, { plugin: { rateLimit: { max: 10, timeWindow: minute } } })
    let error: unknown
    try {
      app.get('/bad', { config: { rateLimit: config } } as never, async () => ({ ok: true }))
      await app.ready()
    } catch (err) {
      error = err
    }
    t.type(error, TypeError)
    t.match((error as Error).message, message)
  }
})

t.test("a route's config.rateLimit while the plugin's rateLimit is off fails, unless @fastify/rate-limit is the user's own", async t => {
  const off = await build(t, {})
  let error: unknown
  try {
    off.get('/search', { config: { rateLimit: { max: 1, timeWindow: minute } } }, async () => ({ ok: true }))
    await off.ready()
  } catch (err) {
    error = err
  }
  t.type(error, TypeError)
  t.match((error as Error).message, /GET \/search/)
  t.match((error as Error).message, /config\.rateLimit/)

  const quiet = await build(t, {})
  quiet.get('/health', { config: { rateLimit: false } }, async () => ({ ok: true }))
  await quiet.ready()
  t.pass('config.rateLimit: false asks for nothing and is fine')

  const own = await build(t, {})
  await own.register(rateLimit, { max: 100, timeWindow: minute })
  own.get('/search', { config: { rateLimit: { max: 1, timeWindow: minute } } }, async () => ({ ok: true }))
  await own.ready()
  t.equal((await own.inject('/search')).statusCode, 200)
  t.equal((await own.inject('/search')).statusCode, 429, "the user's own @fastify/rate-limit reads it")

  const nested = await build(t, {})
  await nested.register(async child => {
    await child.register(rateLimit, { max: 100, timeWindow: minute })
    child.get('/search', { config: { rateLimit: { max: 1, timeWindow: minute } } }, async () => ({ ok: true }))
  })
  await nested.ready()
  t.pass('@fastify/rate-limit registered in an encapsulated context is seen too')
})

t.test("a route's own quota can name its own headers", async t => {
  const app = await build(t, { plugin: { rateLimit: { max: 100, timeWindow: minute, quota: { max: 5, timeWindow: '1 day' } } } })
  const headers = { limit: 'x-route-quota-limit', remaining: 'x-route-quota-remaining', reset: 'x-route-quota-reset' }
  app.get('/export', { config: { rateLimit: { quota: { max: 2, headers } } } }, async () => ({ ok: true }))
  const res = await app.inject('/export')
  t.equal(res.headers['x-route-quota-limit'], '2')
  t.equal(res.headers['x-route-quota-remaining'], '1')
})

t.test('an async keyGenerator is awaited: clients count apart by the key it resolves', async t => {
  const app = await limited(t, { plugin: { rateLimit: { max: 1, timeWindow: minute, keyGenerator: async request => String(request.headers['x-client']) } } })
  const as = async (client: string): Promise<number> => (await app.inject({ url: '/ok', headers: { 'x-client': client } })).statusCode
  t.same([await as('a'), await as('a'), await as('b')], [200, 429, 200])
})

t.test('an allowList function is asked with the user\'s key, and may answer later', async t => {
  const asked: string[] = []
  const allowList = async (_request: FastifyRequest, key: string): Promise<boolean> => { asked.push(key); return key === 'partner' }
  const app = await limited(t, { plugin: { rateLimit: { max: 1, timeWindow: minute, keyGenerator: request => String(request.headers['x-client']), allowList } } })
  const as = async (client: string): Promise<number> => (await app.inject({ url: '/ok', headers: { 'x-client': client } })).statusCode
  t.same([await as('partner'), await as('partner'), await as('partner')], [200, 200, 200], 'the allowed key is never limited')
  t.same([await as('other'), await as('other')], [200, 429], 'another key is')
  t.ok(asked.every(key => key === 'partner' || key === 'other'), 'with the key the keyGenerator made, not a scoped one')
})
