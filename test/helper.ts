import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import errorEnvelope, { clientErrorHandler, requestIdOptions, type ErrorEnvelopeOptions } from '../src/index.js'

/** A fixed clock and id source, so bodies are stable in snapshots. */
export const fixedNow = (): Date => new Date('2024-01-01T00:00:00.000Z')

export interface BuildOptions {
  plugin?: ErrorEnvelopeOptions
  server?: FastifyServerOptions
  /** The id generated for requests that bring none. */
  requestId?: string
}

/** A Fastify app with the plugin registered, ready for routes and inject(). */
export async function build (opts: BuildOptions = {}): Promise<FastifyInstance> {
  const generate = opts.requestId === undefined ? undefined : () => opts.requestId as string
  const app = Fastify({ ...requestIdOptions(generate === undefined ? {} : { generate }), clientErrorHandler, ...opts.server })
  await app.register(errorEnvelope, { now: fixedNow, ...opts.plugin })
  return app
}
