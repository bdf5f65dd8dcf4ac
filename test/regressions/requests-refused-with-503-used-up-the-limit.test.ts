// With onStoreError 'closed', the requests refused with 503 while Redis was out were counted once it answered, so they used up the limit (1f6fc8f).
import { Redis } from 'ioredis'
import t, { type Test } from 'tap'
import { logCapture } from '../helper.js'
import { drained, frozen, get, instance, redisClient, sleep, startRedis, until, type Answer } from '../redis-server.js'

/** Counts one request, refuses twelve during `outage`, and checks after `back` that the next request sees `remaining`. */
async function refusedDoNotCount (t: Test, client: Redis, outage: () => Promise<void>, back: () => Promise<void>, remaining: string): Promise<void> {
  const { stream } = logCapture()
  const { base } = await instance(t, { max: 5, timeWindow: 60000, redis: client, onStoreError: 'closed', storeTimeout: 500, breaker: { cooldown: 500 } }, { logStream: stream })
  const url = `${base}/v1/things`
  t.equal((await get(url)).headers.get('x-ratelimit-remaining'), '4')

  await outage()
  const refused: Answer[] = []
  for (let i = 0; i < 4; i++) refused.push(...await Promise.all(Array.from({ length: 3 }, async () => await get(url))))
  t.same(refused.map(r => r.status), Array(12).fill(503), 'refused while Redis is out')

  await back()
  await drained(client)
  const next = await until(url, r => r.status === 200)
  t.equal(next.headers.get('x-ratelimit-remaining'), remaining, 'the refused requests were not counted')
}

t.test('onStoreError closed, Redis stalled: requests refused with 503 do not count once Redis answers', async t => {
  const server = await startRedis({ t })
  const client = await redisClient(server.port, { t })
  await refusedDoNotCount(t, client, async () => { frozen(t, server) }, async () => { server.resume() }, '3')
})

t.test('onStoreError closed, Redis crashed, a client with an offline queue: requests refused with 503 do not count once Redis is back', async t => {
  const server = await startRedis({ t })
  const client = new Redis({ host: '127.0.0.1', port: server.port, retryStrategy: () => 50 })
  client.on('error', () => {})
  t.teardown(() => { client.disconnect() })
  await new Promise(resolve => client.once('ready', resolve))
  // The restarted server starts empty: the first request's count is gone with the old one.
  await refusedDoNotCount(t, client, async () => {
    server.kill()
    while (client.status === 'ready') await sleep(10)
  }, async () => {
    await startRedis({ t, port: server.port })
  }, '4')
})

t.test('onStoreError closed, the quota tier fails after the rate tier counted: the refused request is taken back from the rate tier too', async t => {
  const server = await startRedis({ t })
  const client = await redisClient(server.port, { t })
  const nameSpace = 'undo-after-count-'
  // A key of the wrong type makes Redis refuse the quota tier's INCR, while the rate tier's succeeds.
  await client.hset(`${nameSpace}quota:127.0.0.1`, 'not', 'a counter')
  const { stream } = logCapture()
  const { base } = await instance(t, {
    max: 5, timeWindow: 60000, quota: { max: 100, timeWindow: 60000 }, redis: client, nameSpace, onStoreError: 'closed', breaker: { cooldown: 0 }
  }, { logStream: stream })
  const url = `${base}/v1/things`
  t.equal((await get(url)).status, 503, 'refused: the quota tier could not be counted')
  await client.del(`${nameSpace}quota:127.0.0.1`)
  await drained(client)
  const next = await until(url, r => r.status === 200)
  t.equal(next.headers.get('x-ratelimit-remaining'), '4', 'only the admitted request counts against the rate tier')
})
