import t from 'tap'
import Fastify from 'fastify'
import errorEnvelope from '../src/index.js'
import { build } from './helper.js'

// Every value the maintenance Retry-After cannot be: not whole seconds, under 1, not a number, or text for the head.
const badRetryAfter: Array<[string, unknown]> = [
  ['-5', -5], ['0', 0], ['1.5', 1.5], ['NaN', NaN], ['Infinity', Infinity], ['2 ** 60', 2 ** 60],
  ["'soon'", 'soon'], ["'60'", '60'], ['a CRLF string', '10\r\nSet-Cookie: x=1'], ['null', null]
]
const badEnabled: Array<[string, unknown]> = [["'yes'", 'yes'], ['1', 1], ['undefined', undefined], ['null', null]]

t.test('setMaintenance refuses a Retry-After the option would refuse, and changes nothing', async t => {
  const app = await build(t, { plugin: { maintenance: { enabled: false, retryAfter: 120 } } })
  app.get('/', async () => ({ ok: true }))
  for (const [what, value] of badRetryAfter) {
    t.throws(() => app.setMaintenance(true, value as number), {
      name: 'TypeError',
      message: /^fastify-error-envelope: setMaintenance\(\) argument 'retryAfter' expects whole seconds, at least 1, instead got /
    }, `retryAfter ${what}`)
    t.equal((await app.inject('/')).statusCode, 200, `retryAfter ${what}: maintenance stays off`)
  }
  for (const [what, value] of badEnabled) {
    t.throws(() => app.setMaintenance(value as boolean), {
      name: 'TypeError',
      message: /^fastify-error-envelope: setMaintenance\(\) argument 'enabled' expects a boolean, instead got /
    }, `enabled ${what}`)
  }
  t.equal((await app.inject('/')).statusCode, 200, 'maintenance is still off')

  app.setMaintenance(true, 30)
  const on = await app.inject('/')
  t.equal(on.statusCode, 503)
  t.equal(on.headers['retry-after'], '30')
  t.throws(() => app.setMaintenance(true, 'soon' as never), TypeError)
  t.equal((await app.inject('/')).headers['retry-after'], '30', 'a refused value leaves the last good one')
  app.setMaintenance(false)
  t.equal((await app.inject('/')).statusCode, 200)
})

t.test('the maintenance option: the same checks, and unknown keys fail register', async t => {
  const register = async (maintenance: unknown): Promise<void> => {
    const app = Fastify()
    try {
      await app.register(errorEnvelope, { maintenance } as never)
      await app.ready()
    } finally {
      await app.close()
    }
  }
  for (const [what, value] of badRetryAfter) {
    // undefined and null leave the default: null is not a number either.
    await t.rejects(register({ retryAfter: value }), {
      name: 'TypeError',
      message: /^fastify-error-envelope: option 'maintenance\.retryAfter' expects whole seconds, at least 1, instead got /
    }, `retryAfter ${what}`)
  }
  for (const [what, value] of badEnabled.filter(([, v]) => v !== undefined)) {
    await t.rejects(register({ enabled: value }), { name: 'TypeError', message: /option 'maintenance\.enabled' expects a boolean/ }, `enabled ${what}`)
  }
  for (const key of ['enable', 'retry_after', 'retryAfterSeconds']) {
    await t.rejects(register({ enabled: true, [key]: 60 }), {
      name: 'TypeError',
      message: `fastify-error-envelope: unknown option 'maintenance.${key}'`
    }, `maintenance.${key}`)
  }
  await t.resolves(register({ enabled: true, retryAfter: 60 }))
  await t.resolves(register({}))
})

t.test('without the maintenance option setMaintenance exists, as its type says, and throws a TypeError naming the option', async t => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(errorEnvelope)
  app.get('/', async () => 'ok')
  await app.ready()
  t.equal(typeof app.setMaintenance, 'function')
  t.throws(() => app.setMaintenance(true), {
    name: 'TypeError',
    message: /^fastify-error-envelope: setMaintenance\(\) needs the 'maintenance' option/
  })
  t.equal((await app.inject('/')).statusCode, 200, 'the refused call changed nothing')
})

t.test('a child registration without the option keeps the outer switch reachable', async t => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(errorEnvelope, { maintenance: {} })
  await app.register(async child => {
    await child.register(errorEnvelope, { notFound: false })
    child.get('/child', async () => 'ok')
    child.setMaintenance(true, 30)
  })
  await app.ready()
  const res = await app.inject('/child')
  t.equal(res.statusCode, 503, 'the outer switch, turned on from the child')
  t.equal(res.headers['retry-after'], '30')
})
