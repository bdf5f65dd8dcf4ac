// The limiter ran after a route's own onRequest auth hook: requests the hook rejected were never counted, so a flood of bad keys was free (1f6fc8f).
import t from 'tap'
import type { FastifyRequest } from 'fastify'
import { build } from '../helper.js'
import { minute } from '../helpers/rate-limit.js'

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
