// URLs Fastify cannot route: without its `frameworkErrors` option Fastify answers them itself,
// before it makes a request, in its own body and with no request id. requestIdOptions() sets that
// option, so they are answered like every other error. The rule (README, "Options"): every error
// Fastify hands to `frameworkErrors` (a malformed URL, a parameter over maxParamLength, an async
// route constraint that failed) gets the envelope, with the request id in body and header.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import t from 'tap'
import errorEnvelope, { requestIdOptions } from '../src/index.js'
import { logCapture, type Teardown } from './helper.js'

const generated = /^req_[0-9a-f]{32}$/

// An async constraint (deriveConstraint with a callback) whose lookup fails for every request.
const failingTenant = {
  name: 'tenant',
  storage () {
    const handlers = new Map<string, unknown>()
    return { get: (value: string) => handlers.get(value) ?? null, set: (value: string, store: unknown) => { handlers.set(value, store) } }
  },
  deriveConstraint (_req: unknown, _ctx: unknown, done: (err: Error | null, value?: string) => void) { done(new Error('tenant lookup down')) },
  validate () {}
}

async function server (t: Teardown, options: FastifyServerOptions = {}): Promise<{ app: FastifyInstance, lines: Array<Record<string, any>> }> {
  const { stream, lines } = logCapture()
  const app = Fastify({ logger: { level: 'info', stream }, ...requestIdOptions(), routerOptions: { maxParamLength: 20 }, ...options })
  t.teardown(() => app.close())
  await app.register(errorEnvelope)
  app.get('/jobs/:id', async () => 'job')
  if (options.constraints !== undefined) app.get('/tenant', { constraints: { tenant: 'a' } }, async () => 'tenant')
  return { app, lines }
}

const cases = [
  { name: 'a malformed percent-encoding', url: '/jobs/%zz', status: 400, options: {} },
  { name: 'a parameter over maxParamLength', url: `/jobs/${'x'.repeat(40)}`, status: 414, options: {} },
  // A router with an async constraint derives it for every request: the failure is this app's only answer.
  { name: 'an async route constraint that failed', url: '/tenant', status: 500, options: { constraints: { tenant: failingTenant } as never } }
]

t.test('every error Fastify hands to frameworkErrors is answered in the envelope, with a request id', async t => {
  for (const { name, url, status, options } of cases) {
    const { app, lines } = await server(t, options)
    const res = await app.inject(url)
    t.equal(res.statusCode, status, `${name}: status`)
    const id = res.headers['x-request-id']
    t.match(id, generated, `${name}: X-Request-Id`)
    const body = res.json()
    t.equal(body.request_id, id, `${name}: the body's id is the header's`)
    t.type(body.error_code, 'string', `${name}: a code of the catalog`)
    t.notMatch(res.payload, /FST_ERR|statusCode|"error":"/, `${name}: not Fastify's own body`)
    t.ok(lines.some(l => l.request_id === id && l.error_code === body.error_code), `${name}: logged under its id`)
  }
})

t.test('a client\'s own id is kept on these paths too', async t => {
  const { app } = await server(t)
  const kept = await app.inject({ url: '/jobs/%zz', headers: { 'x-request-id': 'client-7' } })
  t.equal(kept.headers['x-request-id'], 'client-7')
  t.equal(kept.json().request_id, 'client-7')
})

t.test('a 4xx says what was wrong with the URL, as Fastify does for a route it does not know; a 500 says no more than the catalog', async t => {
  const bad = await (await server(t)).app.inject('/jobs/%zz')
  t.match(bad.json(), { detail: "'/jobs/%zz' is not a valid url component" })
  const long = await (await server(t)).app.inject(`/jobs/${'x'.repeat(40)}`)
  t.match(long.json(), { detail: /is exceeding the max param length$/ })
  const constraint = await (await server(t, cases[2]?.options)).app.inject('/tenant')
  t.notMatch(constraint.payload, /constraint|tenant lookup/i)
})

t.test('with the plugin outside the root context, Fastify\'s own handler answers them, still with the request', async t => {
  const app = Fastify({ ...requestIdOptions() })
  t.teardown(() => app.close())
  await app.register(async function api (scope) {
    await scope.register(errorEnvelope)
    scope.get('/jobs/:id', async () => 'job')
  }, { prefix: '/api' })
  const res = await app.inject('/api/jobs/%zz')
  t.equal(res.statusCode, 400)
  t.match(res.json(), { code: 'FST_ERR_BAD_URL', statusCode: 400 })
})
