// The app imports @fastify/rate-limit too: its declaration of config.rateLimit and ours must agree.
import '@fastify/rate-limit'
import Fastify, { type FastifyContextConfig, type RouteShorthandOptions } from 'fastify'
import { expect, test } from 'tstyche'
import errorEnvelope, { type RouteRateLimit } from '../../src/index.js'

const app = Fastify()
const handler = async (): Promise<{ ok: boolean }> => ({ ok: true })

test('a route limit of the README compiles: its own limit, a group, a quota, or false', () => {
  expect(app.get('/search', { config: { rateLimit: { max: 10, timeWindow: 60_000 } } }, handler)).type.not.toRaiseError()
  expect(app.get('/health', { config: { rateLimit: false } }, handler)).type.not.toRaiseError()
  expect(app.get('/a', { config: { rateLimit: { max: 10, timeWindow: '1 minute', groupId: 'search' } } }, handler)).type.not.toRaiseError()
  expect(app.get('/a', { config: { rateLimit: { quota: { max: 1000, timeWindow: '1 day', headers: { limit: 'x-q-limit', remaining: 'x-q-remaining', reset: 'x-q-reset' } } } } }, handler)).type.not.toRaiseError()
  expect(app.get('/a', { config: { rateLimit: { quota: false, keyGenerator: request => request.ip, allowList: ['127.0.0.1'] } } }, handler)).type.not.toRaiseError()
  expect(app.route({ method: 'GET', url: '/a', config: { rateLimit: { max: 1, quota: { max: 2 } } }, handler })).type.not.toRaiseError()
})

test('a route limit of the wrong type does not compile', () => {
  // @ts-expect-error Type 'string' is not assignable to type 'number
  app.get('/a', { config: { rateLimit: { max: 'ten' } } }, handler)
  // @ts-expect-error 'timeWindow' does not exist in type 'never'
  app.get('/a', { config: { rateLimit: { timeWindow: false } } }, handler)
  // @ts-expect-error Type 'number' is not assignable to type 'string'
  app.get('/a', { config: { rateLimit: { groupId: 7 } } }, handler)
  // @ts-expect-error Type 'string' is not assignable to type 'number'
  app.get('/a', { config: { rateLimit: { quota: { max: 'ten' } } } }, handler)
})

test('a misspelled or unknown member does not compile where the config is typed', () => {
  const typed = (config: FastifyContextConfig): FastifyContextConfig => config
  expect(typed({ rateLimit: { max: 10, timeWindow: 1000 } })).type.not.toRaiseError()
  // @ts-expect-error 'timeWindw' does not exist in type 'RateLimitOptions'
  typed({ rateLimit: { max: 10, timeWindw: 1000 } })
  // @ts-expect-error 'maxx' does not exist in type 'Partial<QuotaOptions>'
  typed({ rateLimit: { quota: { maxx: 1 } } })
  // @ts-expect-error missing the following properties from type 'LimitHeaders': remaining, reset
  typed({ rateLimit: { quota: { headers: { limit: 'x-q-limit' } } } })
  // @ts-expect-error Type 'true' is not assignable
  typed({ rateLimit: true })
  // @ts-expect-error Type 'string' is not assignable to type 'false | Partial<QuotaOptions> | undefined'
  typed({ rateLimit: { quota: 'none' } })
  const shorthand = (options: RouteShorthandOptions): RouteShorthandOptions => options
  expect(shorthand({ config: { rateLimit: { max: 10, timeWindow: 1000, groupId: 'search', quota: false } } })).type.not.toRaiseError()
  // @ts-expect-error 'timeWindw' does not exist in type 'RateLimitOptions'
  shorthand({ config: { rateLimit: { max: 10, timeWindw: 1000 } } })
})

test('known limit: an inline route literal takes unknown members (Fastify infers its ContextConfig from it)', () => {
  // config is `FastifyContextConfig & ContextConfig`, ContextConfig inferred from the literal itself, so no
  // member is ever "excess" there; wrong types of known members still fail (above). Registration refuses the rest.
  expect(app.get('/a', { config: { rateLimit: { max: 10, timeWindw: 1000 } } }, handler)).type.not.toRaiseError()
})

test('every RouteRateLimit is a config.rateLimit', () => {
  expect<NonNullable<FastifyContextConfig['rateLimit']>>().type.toBeAssignableFrom<RouteRateLimit>()
})

test('the plugin option is checked too', () => {
  expect(app.register(errorEnvelope, { rateLimit: { max: 100, timeWindow: '1 minute', quota: { max: 10, timeWindow: '1 day' } } })).type.not.toRaiseError()
  // @ts-expect-error Type 'string' is not assignable to type 'number'
  app.register(errorEnvelope, { rateLimit: { max: 'ten', timeWindow: '1 minute' } })
  // @ts-expect-error 'timeWindw' does not exist in type 'RateLimitOptions'
  app.register(errorEnvelope, { rateLimit: { max: 100, timeWindw: '1 minute' } })
})
