// A stalled Redis answers nothing and closes nothing: every request queued one more call on it, each call held its request, and the heap grew until Redis came back (1f6fc8f).
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { drained, frozen, get, inFlight, instance, redisClient, sleep, startRedis, until, type Answer } from '../redis-server.js'

// A full collection on demand, to tell whether something still holds a request (reachability, not heap size).
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

async function collected (ref: WeakRef<object>): Promise<boolean> {
  for (let i = 0; i < 5 && ref.deref() !== undefined; i++) {
    await sleep(20)
    gc()
  }
  return ref.deref() === undefined
}

t.test('Redis stalled, onStoreError open: after the first timeout requests are answered at once, queue nothing, hold no request; the limit is back after the cool-down', async t => {
  const server = await startRedis({ t })
  const client = await redisClient(server.port, { t })
  const storeTimeout = 1000
  const cooldown = 1500
  // What a request references, to see whether a timed-out store call keeps it alive.
  let marker: WeakRef<object> | undefined
  const routes = (app: FastifyInstance): void => {
    app.get('/v1/marked', {
      config: { rateLimit: { max: 5, timeWindow: 60000 } },
      onRequest: async request => {
        const held = { body: Buffer.alloc(50_000) }
        ;(request as unknown as { held: object }).held = held
        marker = new WeakRef(held)
      }
    }, async () => ({ ok: true }))
  }
  const { base } = await instance(t, { max: 5, timeWindow: 60000, redis: client, onStoreError: 'open', storeTimeout, breaker: { cooldown } }, { routes })
  const url = `${base}/v1/things`

  t.equal((await get(url)).headers.get('x-ratelimit-remaining'), '4')

  frozen(t, server)
  // The first request after the stall waits for the deadline, then goes through uncounted.
  const marked = await get(`${base}/v1/marked`)
  t.equal(marked.status, 200)
  t.ok(marked.ms >= storeTimeout - 50, `the first one waited for the store (${marked.ms} ms)`)
  const stuck = inFlight(client)
  t.ok(stuck >= 1, 'its command is still unanswered')

  const during: Answer[] = []
  for (let i = 0; i < 3; i++) during.push(...await Promise.all(Array.from({ length: 20 }, async () => await get(url))))
  t.same(during.map(r => r.status), Array(60).fill(200), 'every request goes through')
  const slowest = Math.max(...during.map(r => r.ms))
  t.ok(slowest < storeTimeout / 2, `answered at once, not after the store timeout (slowest ${slowest} ms)`)
  t.equal(inFlight(client), stuck, 'no new command queued for Redis while it is stalled')
  t.notOk(during.some(r => r.headers.has('x-ratelimit-remaining')), 'no count reported: none was made')
  t.ok(marker !== undefined && await collected(marker), 'the timed-out store call holds nothing of its request')

  server.resume()
  await drained(client)
  const counted = await until(url, r => r.headers.get('x-ratelimit-remaining') !== null)
  // The stalled call was answered late and counts: its request was served.
  t.equal(counted.headers.get('x-ratelimit-remaining'), '3', 'counted again after the cool-down')
  const rest = []
  for (let i = 0; i < 4; i++) rest.push(await get(url))
  t.same(rest.map(r => r.status), [200, 200, 200, 429], 'the limit applies again')
})
