// Routes of one groupId each had a limiter, and an in-memory store is per limiter: each counted alone (38f0397).
import t from 'tap'
import { build } from '../helper.js'

const minute = 60_000

t.test('routes with one groupId share a count', async t => {
  const app = await build(t, { plugin: { rateLimit: { max: 100, timeWindow: minute } } })
  const config = { rateLimit: { max: 2, timeWindow: minute, groupId: 'search' } }
  app.get('/a', { config }, async () => ({ ok: true }))
  app.get('/b', { config }, async () => ({ ok: true }))
  t.equal((await app.inject('/a')).headers['x-ratelimit-remaining'], '1')
  t.equal((await app.inject('/b')).headers['x-ratelimit-remaining'], '0', '/b counts on /a\'s count')
  t.equal((await app.inject('/a')).statusCode, 429)
  t.equal((await app.inject('/b')).statusCode, 429)
})
