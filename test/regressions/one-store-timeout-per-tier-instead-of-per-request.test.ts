// With a quota tier a stalled Redis cost a request one storeTimeout per tier, one after the other (1f6fc8f).
import t from 'tap'
import { frozen, get, instance, redisClient, startRedis } from '../redis-server.js'

t.test('with a quota tier a stalled Redis costs a request one storeTimeout, not one per tier', async t => {
  const server = await startRedis({ t })
  const client = await redisClient(server.port, { t })
  const storeTimeout = 1000
  const { base } = await instance(t, {
    max: 100,
    timeWindow: 60000,
    redis: client,
    storeTimeout,
    quota: { max: 100, timeWindow: '1 day' }
  })
  const url = `${base}/v1/things`
  t.equal((await get(url)).status, 200)
  frozen(t, server)
  const first = await get(url)
  t.equal(first.status, 200)
  t.ok(first.ms < storeTimeout * 1.6, `answered after one storeTimeout (${first.ms} ms), not two`)
})
