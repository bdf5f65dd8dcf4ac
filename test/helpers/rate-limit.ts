import Fastify, { type FastifyInstance } from 'fastify'
import errorEnvelope from '../../src/index.js'
import { build, type Teardown } from '../helper.js'

export const minute = 60_000

/** An app with the plugin (options as given) and `GET /ok`, closed when the test ends. */
export async function limited (t: Teardown, opts: Parameters<typeof build>[1] = {}): Promise<FastifyInstance> {
  const app = await build(t, opts)
  app.get('/ok', async () => ({ ok: true }))
  return app
}

/** The error `register` (or `ready`) fails with, given the plugin's `rateLimit` option. */
export async function registerError (rateLimitOption: unknown): Promise<Error | undefined> {
  const app = Fastify()
  try {
    await app.register(errorEnvelope, { rateLimit: rateLimitOption as never })
    await app.ready()
  } catch (err) {
    return err as Error
  } finally {
    await app.close()
  }
  return undefined
}
