import t from 'tap'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import rateLimit from '@fastify/rate-limit'
import errorEnvelope from '../src/index.js'
import { build, logCapture } from './helper.js'

const minute = 60_000

async function limited (test: { teardown: (fn: () => unknown) => void }, plugin: Parameters<typeof build>[1] = {}): Promise<FastifyInstance> {
  const app = await build(test, plugin)
  app.get('/ok', async () => ({ ok: true }))
  return app
}

/** The error `register` (or `ready`) fails with. */
async function registerError (rateLimitOption: unknown): Promise<Error | undefined> {
  const app = Fastify()
  try {
    await app.register(errorEnvelope, { rateLimit: rateLimitOption as never })
    await app.ready()
  } catch (err) {
    return err as Error
  } finally {
    await app.close()
  }
  return undefined
}

t.test('a keyGenerator or allowList that throws answers the internal error, logged at error level, and never lets the request through', async t => {
  const boom = (): never => { throw new Error('bug in the key generator') }
  const cases = [
    ['keyGenerator', { max: 100, timeWindow: minute, keyGenerator: boom }],
    ['allowList', { max: 100, timeWindow: minute, allowList: boom }],
    ['quota.keyGenerator', { max: 100, timeWindow: minute, quota: { max: 10, timeWindow: '1 day', keyGenerator: boom } }]
  ] as const
  for (const [name, rateLimitOption] of cases) {
    for (const onStoreError of ['open', 'closed'] as const) {
      const { stream, lines } = logCapture()
      const app = await limited(t, { plugin: { rateLimit: { ...rateLimitOption, onStoreError } }, server: { logger: { level: 'info', stream } } })
      const res = await app.inject('/ok')
      t.equal(res.statusCode, 500, `${name} (${onStoreError}): 500, not let through`)
      t.equal(res.json().error_code, 'SYSTEM_INTERNAL_ERROR', `${name}: the internal error`)
      t.notOk(res.body.includes('bug in the key generator'), `${name}: its message stays in the log`)
      t.ok(lines.some(l => l.level === 50 && JSON.stringify(l).includes('bug in the key generator')), `${name}: logged at error level`)
    }
  }
})

t.test('IPv6 clients are counted per /64, as @fastify/rate-limit does; IPv4-mapped addresses count as their IPv4', async t => {
  const app = await limited(t, { plugin: { rateLimit: { max: 2, timeWindow: minute } } })
  const from = async (remoteAddress: string): Promise<number> => (await app.inject({ url: '/ok', remoteAddress })).statusCode
  t.equal(await from('2001:db8:1:2::1'), 200)
  t.equal(await from('2001:db8:1:2:aaaa:bbbb:cccc:dddd'), 200)
  t.equal(await from('2001:db8:1:2:ffff::3'), 429, 'a third address in the same /64 is over the limit')
  t.equal(await from('2001:db8:1:3::1'), 200, 'the next /64 counts apart')

  t.equal(await from('10.0.0.7'), 200)
  t.equal(await from('::ffff:10.0.0.7'), 200, 'IPv4-mapped: the same client')
  t.equal(await from('10.0.0.7'), 429, 'over the limit whichever way it came')
  t.equal(await from('10.0.0.8'), 200, 'other IPv4 addresses count apart')

  const quota = await limited(t, { plugin: { rateLimit: { max: 100, timeWindow: minute, quota: { max: 1, timeWindow: '1 day' } } } })
  t.equal((await quota.inject({ url: '/ok', remoteAddress: '2001:db8:9::1' })).statusCode, 200)
  t.equal((await quota.inject({ url: '/ok', remoteAddress: '2001:db8:9::2' })).statusCode, 429, 'the quota tier groups by /64 too')
})

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

t.test("hook: 'onRequest' counts requests a route's own onRequest auth hook rejects", async t => {
  const app = await build(t, { plugin: { rateLimit: { max: 2, timeWindow: minute, hook: 'onRequest' } } })
  const auth = async (request: FastifyRequest): Promise<void> => {
    if (request.headers.authorization !== 'Bearer good') throw Object.assign(new Error('bad key'), { statusCode: 401 })
  }
  app.get('/private', { onRequest: auth }, async () => ({ ok: true }))
  const statuses = []
  for (let i = 0; i < 4; i++) statuses.push((await app.inject({ url: '/private', headers: { authorization: `Bearer bad-${i}` } })).statusCode)
  t.same(statuses, [401, 401, 429, 429], 'a flood of bad keys runs into the limit')
  t.equal((await app.inject({ url: '/private', headers: { authorization: 'Bearer good' } })).statusCode, 429, 'and a good key from the same client is limited too')
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

t.test('rateLimit.timeWindow: what @fastify/rate-limit cannot read is refused at register', async t => {
  for (const timeWindow of ['1 fortnight', 'soon', '-5 minutes', -5, '', '1 month', 0, 0.5, Number.NaN, Number.POSITIVE_INFINITY, '0.4']) {
    for (const where of ['rateLimit', 'rateLimit.quota'] as const) {
      const option = where === 'rateLimit'
        ? { max: 1, timeWindow }
        : { max: 1, timeWindow: minute, quota: { max: 1, timeWindow } }
      const err = await registerError(option)
      t.type(err, TypeError, `${where}.timeWindow ${JSON.stringify(timeWindow)} is refused`)
      t.match(err?.message, new RegExp(`option '${where.replace('.', '\\.')}\\.timeWindow' expects .*, instead got`))
    }
  }
  for (const timeWindow of ['1 minute', '10 MINUTES', '1.5h', '1 day', 1000]) {
    t.equal(await registerError({ max: 1, timeWindow }), undefined, `${JSON.stringify(timeWindow)} is accepted`)
  }
  const app = await limited(t, { plugin: { rateLimit: { max: 1, timeWindow: '2 hours' } } })
  await app.inject('/ok')
  const res = await app.inject('/ok')
  t.equal(res.statusCode, 429)
  t.ok(Number(res.headers['retry-after']) > 7000, "'2 hours' is read as two hours")
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
