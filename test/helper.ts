import { createRequire } from 'node:module'
import { Writable } from 'node:stream'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import errorEnvelope, {
  clientErrorHandler, requestIdOptions, EnvelopeErrorSchema, FlatErrorSchema, OpenAIErrorSchema, ProblemDetailsSchema,
  type ErrorEnvelopeOptions
} from '../src/index.js'
import { testPluginOptions, testServerOptions } from '../src/testing.js'

/** A fixed clock and id source, so bodies are stable in snapshots. */
export const fixedNow: () => Date = testPluginOptions().now   // 2024-01-01T00:00:00Z

export interface BuildOptions {
  plugin?: ErrorEnvelopeOptions
  server?: FastifyServerOptions
  /** The id generated for requests that bring none. */
  requestId?: string
}

/** What build() needs of a tap test: a teardown to close the app with. */
export interface Teardown { teardown: (fn: () => unknown) => void }

/** A Fastify app with the plugin registered, ready for routes and inject(); closed when `t` ends. */
export async function build (t: Teardown, opts: BuildOptions = {}): Promise<FastifyInstance> {
  // Without a requestId, ids stay the production `req_` + 32 hex digits: tests assert that shape.
  const ids = opts.requestId === undefined ? requestIdOptions() : testServerOptions({ requestId: opts.requestId })
  const app = Fastify({ ...ids, clientErrorHandler, ...opts.server })
  t.teardown(() => app.close())
  await app.register(errorEnvelope, { now: fixedNow, ...opts.plugin })
  return app
}

/** A Fastify app without the plugin (ids `req-1`, logs to `logs` if given), closed when `t` ends: to register the plugin yourself. */
export function bareApp (t: Teardown, logs?: { stream: Writable }): FastifyInstance {
  const app = Fastify({ ...requestIdOptions({ generate: () => 'req-1' }), ...(logs === undefined ? {} : { logger: { level: 'info', stream: logs.stream } }) })
  t.teardown(() => app.close())
  return app
}

/** A pino destination that keeps every log line, parsed. */
export function logCapture (): { stream: Writable, lines: Array<Record<string, any>> } {
  const lines: Array<Record<string, any>> = []
  const stream = new Writable({
    write (chunk, _encoding, callback) {
      for (const line of String(chunk).split('\n')) {
        if (line.trim() !== '') lines.push(JSON.parse(line))
      }
      callback()
    }
  })
  return { stream, lines }
}

export const ajv = new Ajv({ allErrors: true })
addFormatsModule.default(ajv)
/** Ajv validators of the exported schema of each format, to check bodies against what we document. */
export const validators: Record<'flat' | 'envelope' | 'openai' | 'problem', ValidateFunction> = {
  flat: ajv.compile(FlatErrorSchema),
  envelope: ajv.compile(EnvelopeErrorSchema),
  openai: ajv.compile(OpenAIErrorSchema),
  problem: ajv.compile(ProblemDetailsSchema)
}

/**
 * A second copy of Fastify, as with two versions installed: its internal symbols and classes are
 * not the ones the plugin loads. The module cache is left as it was.
 */
export function anotherFastify (): typeof Fastify {
  const require = createRequire(import.meta.url)
  const mine = (key: string): boolean => key.includes('/node_modules/fastify/')
  const saved = Object.entries(require.cache).filter(([key]) => mine(key))
  for (const [key] of saved) Reflect.deleteProperty(require.cache, key)
  try {
    return require('fastify') as typeof Fastify
  } finally {
    for (const key of Object.keys(require.cache)) if (mine(key)) Reflect.deleteProperty(require.cache, key)
    for (const [key, module] of saved) require.cache[key] = module
  }
}

/** Fastify's LogController class, which Fastify exports without its type: for apps with a `logController` of their own. */
export const LogController = createRequire(import.meta.url)('fastify').LogController as new (opts?: object) => object
