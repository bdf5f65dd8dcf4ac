import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import t, { type Test } from 'tap'
import type { RateLimitOptions } from '../src/index.js'
import { build, logCapture } from './helper.js'
import { redisClient, startRedis, type RedisServer, type Teardown } from './redis-server.js'

// A stalled Redis (SIGSTOP) keeps its connections open and answers nothing: no error reaches the
// client, only the deadline does. These tests freeze and crash a real redis-server.

interface Answer {
  status: number
  headers: Headers
  body: Record<string, unknown>
  ms: number
}

async function get (url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const started = Date.now()
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(8000) })
  const text = await res.text()
  let body: Record<string, unknown>
  try {
    body = JSON.parse(text) as Record<string, unknown>
  } catch {
    body = { notJson: text }
  }
  return { status: res.status, headers: res.headers, body, ms: Date.now() - started }
}

async function sleep (ms: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, ms))
}

/** Asks until `done` holds for an answer, 8 s at most; returns that answer. */
async function until (url: string, done: (answer: Answer) => boolean): Promise<Answer> {
  const deadline = Date.now() + 8000
  for (;;) {
    const answer = await get(url)
    if (done(answer)) return answer
    if (Date.now() > deadline) throw new Error(`no matching answer from ${url} within 8 s; last: ${answer.status} ${JSON.stringify(answer.body)}`)
    await sleep(100)
  }
}

async function instance (t: Teardown, rateLimit: RateLimitOptions, logStream?: import('node:stream').Writable, routes?: (app: FastifyInstance) => void): Promise<{ app: FastifyInstance, base: string }> {
  const app = await build(t, { plugin: { rateLimit }, server: logStream === undefined ? {} : { logger: { level: 'info', stream: logStream } } })
  app.get('/v1/things', async () => ({ ok: true }))
  routes?.(app)
  const base = await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, base }
}

/** Commands the client has sent and Redis has not answered. */
function inFlight (client: Redis): number {
  return (client as unknown as { commandQueue: { length: number } }).commandQueue.length
}

/** Waits (8 s at most) until `client` has no command left unanswered. */
async function drained (client: Redis): Promise<void> {
  const deadline = Date.now() + 8000
  while (inFlight(client) > 0) {
    if (Date.now() > deadline) throw new Error(`${inFlight(client)} commands still unanswered`)
    await sleep(20)
  }
}

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

function frozen (t: Teardown, server: RedisServer): void {
  // Never leave a frozen server behind a failed assertion.
  t.teardown(() => { server.resume() })
  server.pause()
}

t.test('Redis stalled, onStoreError open: after the first timeout requests are answered at once, queue nothing, hold no request; the limit is back after the cool-down', async t => {
  const server = await startRedis({ t })
  const client = await redisClient(server.port, { t })
  const storeTimeout = 1000
  const cooldown = 1500
  // What a request references, to see whether a timed-out store call keeps it alive.
  let marker: WeakRef<object> | undefined
  const { base } = await instance(t, { max: 5, timeWindow: 60000, redis: client, onStoreError: 'open', storeTimeout, breaker: { cooldown } }, undefined, app => {
    app.get('/v1/marked', {
      config: { rateLimit: { max: 5, timeWindow: 60000 } },
      onRequest: async request => {
        const held = { body: Buffer.alloc(50_000) }
        ;(request as unknown as { held: object }).held = held
        marker = new WeakRef(held)
      }
    }, async () => ({ ok: true }))
  })
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

/** Counts one request, refuses twelve during `outage`, and checks after `back` that the next request sees `remaining`. */
async function refusedDoNotCount (t: Test, client: Redis, outage: () => Promise<void>, back: () => Promise<void>, remaining: string): Promise<void> {
  const { stream } = logCapture()
  const { base } = await instance(t, { max: 5, timeWindow: 60000, redis: client, onStoreError: 'closed', storeTimeout: 500, breaker: { cooldown: 500 } }, stream)
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
