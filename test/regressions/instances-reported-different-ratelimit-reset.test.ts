// Each instance computed X-RateLimit-Reset from its own clock when Redis answered: an instance with a slower link to Redis reported another window end (38f0397).
import { createServer, connect, type Socket } from 'node:net'
import type { Redis } from 'ioredis'
import t from 'tap'
import type { RateLimitOptions } from '../../src/index.js'
import { get, instance, redisClient, startRedis, type Teardown } from '../redis-server.js'

/** A TCP proxy to `port` on loopback that holds every reply `delay` ms: an instance with a slow link to Redis. */
async function slowLink (t: Teardown, port: number, delay: number): Promise<number> {
  const sockets = new Set<Socket>()
  const server = createServer(client => {
    const upstream = connect({ port, host: '127.0.0.1' })
    sockets.add(client).add(upstream)
    client.pipe(upstream)
    upstream.on('data', (chunk: Buffer) => { setTimeout(() => { if (!client.destroyed) client.write(chunk) }, delay) })
    const close = (): void => { client.destroy(); upstream.destroy() }
    client.on('error', close).on('close', close)
    upstream.on('error', close).on('close', close)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    for (const socket of sockets) socket.destroy()
    server.close()
  })
  return (server.address() as { port: number }).port
}

t.test('sessions: X-RateLimit-Reset is the window end, the same on an instance with a slower link to Redis', async t => {
  const redis = await startRedis({ t })
  const rateLimit = (client: Redis): RateLimitOptions => ({ max: 10, timeWindow: 60000, redis: client, nameSpace: 'slow-link-', storeTimeout: 3000 })
  const a = await instance(t, rateLimit(await redisClient(redis.port, { t })), { preset: 'sessions' })
  const b = await instance(t, rateLimit(await redisClient(await slowLink(t, redis.port, 1200), { t })), { preset: 'sessions' })

  const first = await get(`${a.base}/v1/things`)
  const second = await get(`${b.base}/v1/things`)
  t.equal(first.status, 200)
  t.equal(second.status, 200)
  t.equal(second.headers.get('x-ratelimit-remaining'), '8', 'one window, counted on both instances')
  t.equal(second.headers.get('x-ratelimit-reset'), first.headers.get('x-ratelimit-reset'), 'the same Unix timestamp for the same window')
})
