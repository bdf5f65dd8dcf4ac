import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { Redis } from 'ioredis'
// In your project: from 'fastify-error-envelope'
import errorEnvelope, { clientErrorHandler, presets, requestIdOptions } from '../../src/index.js'

export interface AppOptions {
  /** The ioredis client this instance counts in. Instances on one Redis share one limit. */
  redis: Redis
  /** The port this instance listens on: only shown in its answers, so you can tell the instances apart. */
  port?: number
  logger?: FastifyServerOptions['logger']
}

const products = [
  { id: 'prod-1', name: 'Residential proxy, 1 GB', in_stock: true },
  { id: 'prod-2', name: 'Mobile proxy, 1 day', in_stock: false }
]

/**
 * A tiny sessions-style API: 5 requests a minute per client IP, counted in
 * Redis, so every instance built on the same Redis enforces the same limit
 * and reports the same X-RateLimit-* numbers.
 */
export async function buildApp (opts: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({ ...requestIdOptions(), clientErrorHandler, logger: opts.logger ?? false })
  await app.register(errorEnvelope, {
    preset: 'sessions',
    rateLimit: { max: 5, timeWindow: '1 minute', redis: opts.redis }
  })
  const servedBy = opts.port === undefined ? 'unknown' : `:${opts.port}`

  app.get('/v1/products', async (request) => ({ success: true, data: products, error: null, meta: { request_id: request.id, served_by: servedBy } }))

  app.get('/v1/products/:id', async (request) => {
    const { id } = request.params as { id: string }
    const product = products.find(p => p.id === id)
    if (product === undefined) throw presets.sessions.errors.PRODUCT_NOT_FOUND()
    return { success: true, data: product, error: null, meta: { request_id: request.id, served_by: servedBy } }
  })

  return app
}
