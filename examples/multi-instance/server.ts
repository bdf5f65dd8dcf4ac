import { once } from 'node:events'
import { Redis } from 'ioredis'
import { buildApp } from './app.js'

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const port = Number(process.env.PORT ?? 3000)
const host = process.env.HOST ?? '127.0.0.1'
const level = process.env.LOG_LEVEL ?? 'info'

// Two instances as a load balancer would run them: separate apps, separate Redis connections, one Redis.
const instances = await Promise.all([port, port + 1].map(async p => {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false })
  redis.on('error', err => { console.error(`redis (instance :${p}): ${err.message}`) })
  // Without an offline queue a command sent before the connection is up fails: a first request would
  // go uncounted and open the limiter's breaker. Serve once Redis is there.
  if (redis.status !== 'ready') await once(redis, 'ready')
  const app = await buildApp({ redis, port: p, logger: { level } })
  const address = await app.listen({ port: p, host })
  return { app, redis, address }
}))

const [a, b] = instances.map(i => i.address) as [string, string]
console.log(`
Two instances sharing one rate limit (5 requests a minute per IP) in ${redisUrl}:
  ${a}
  ${b}
Ask them in turn and watch X-RateLimit-Remaining count down once across both,
with the same X-RateLimit-Limit and X-RateLimit-Reset (a Unix timestamp):

  for url in ${a} ${b} ${a} ${b} ${a} ${b}; do curl -s -o /dev/null -D - $url/v1/products | grep -i -E '^(HTTP|x-ratelimit|retry-after)'; done

The 6th answer is a 429 RATE_LIMIT_EXCEEDED envelope with Retry-After:

  curl -i ${b}/v1/products
`)

async function shutdown (): Promise<void> {
  for (const { app, redis } of instances) {
    await app.close()
    redis.disconnect()
  }
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    shutdown().catch(err => {
      console.error(err)
      process.exit(1)
    })
  })
}
