// The app does not import @fastify/rate-limit: the plugin's own types must type config.rateLimit.
// Its own tsconfig keeps this file out of the program of ../rate-limit.tst.ts, which does import it.
import Fastify, { type FastifyContextConfig } from 'fastify'
import { expect, test } from 'tstyche'
import errorEnvelope from '../../../src/index.js'

const app = Fastify()
const handler = async (): Promise<{ ok: boolean }> => ({ ok: true })
const typed = (config: FastifyContextConfig): FastifyContextConfig => config

test('without importing @fastify/rate-limit, a route limit is typed all the same', () => {
  expect(app.register(errorEnvelope, { rateLimit: { max: 100, timeWindow: '1 minute' } })).type.not.toRaiseError()
  expect<FastifyContextConfig>().type.toHaveProperty('rateLimit')
  expect(app.get('/search', { config: { rateLimit: { max: 10, timeWindow: 60_000, groupId: 'search', quota: { max: 1000 } } } }, handler)).type.not.toRaiseError()
  expect(app.get('/health', { config: { rateLimit: false } }, handler)).type.not.toRaiseError()
  // @ts-expect-error Type 'string' is not assignable to type 'number
  app.get('/a', { config: { rateLimit: { max: 'ten' } } }, handler)
  // @ts-expect-error 'timeWindw' does not exist in type 'RateLimitOptions'
  typed({ rateLimit: { max: 10, timeWindw: 1000 } })
  // @ts-expect-error 'maxx' does not exist in type 'Partial<QuotaOptions>'
  typed({ rateLimit: { quota: { maxx: 1 } } })
})
