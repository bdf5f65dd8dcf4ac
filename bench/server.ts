// One benchmark contender per process: `node --import tsx bench/server.ts <contender>`.
// Prints `ready <port>` and answers the driver's `usage` messages with its CPU time and peak RSS.
import { createWriteStream } from 'node:fs'
import createError from '@fastify/error'
import rateLimit from '@fastify/rate-limit'
import Fastify, { type FastifyInstance, type FastifySchemaValidationError } from 'fastify'
import errorEnvelope, { presets, requestIdOptions } from '../src/index.js'

export const contenders = [
  'limit', 'fastify-default',
  'flat', 'envelope', 'openai', 'problem', 'flat-send-error', 'throw-trivial',
  'limit-validate', 'flat-validate', 'flat-validate-stack',
  'bare-ok', 'flat-ok',
  'rate-limit-own', 'flat-rate-limit'
] as const
export type Contender = typeof contenders[number]

const NotFound = createError('JOB_NOT_FOUND', "Job doesn't exist", 404)
/** Fastify's default schema error formatter (lib/context.js), which captures a stack trace. */
function fastifyFormatter (errors: FastifySchemaValidationError[], dataVar: string): Error {
  return new Error(errors.map(e => dataVar + e.instancePath + ' ' + String(e.message)).join(', '))
}
const body = { type: 'object', required: ['prompt'], properties: { prompt: { type: 'string' } } } as const

export async function buildContender (name: Contender, logging: boolean): Promise<FastifyInstance> {
  const logger = logging ? { level: 'info', stream: createWriteStream('/dev/null') } : false
  // flat-validate-stack: the plugin under Fastify's own schema error formatter (a stack per failure), as it ran before it installed its own.
  const app = Fastify({ logger, ...requestIdOptions(), ...(name === 'flat-validate-stack' ? { schemaErrorFormatter: fastifyFormatter } : {}) })
  const format = (['flat', 'envelope', 'openai', 'problem'] as const).find(f => name === f || name.startsWith(`${f}-`))
  if (format !== undefined) {
    await app.register(errorEnvelope, {
      format,
      ...(name === 'flat-rate-limit' ? { rateLimit: { max: 0, timeWindow: 60_000 } } : {})
    })
  }
  if (name === 'rate-limit-own') await app.register(rateLimit, { max: 0, timeWindow: 60_000 })
  if (name === 'throw-trivial') {
    // Fastify's throw path with the cheapest possible error handler: the floor for any handler.
    app.setErrorHandler((_err, request, reply) => {
      reply.code(404).header('content-type', 'application/json; charset=utf-8')
        .send(JSON.stringify({ detail: "Job doesn't exist", error_code: 'JOB_NOT_FOUND', request_id: request.id }))
    })
  }

  // The limit: the same body as the flat format, sent by the route itself.
  app.get('/err', async (request, reply) => {
    if (name === 'limit') {
      return reply.code(404).header('content-type', 'application/json; charset=utf-8')
        .send(JSON.stringify({ detail: "Job doesn't exist", error_code: 'JOB_NOT_FOUND', request_id: request.id }))
    }
    if (name === 'fastify-default') throw new NotFound()
    // The same envelope without Fastify's throw path: what that path itself costs.
    if (name === 'flat-send-error') return reply.sendError(presets.aitbc.errors.JOB_NOT_FOUND())
    throw presets.aitbc.errors.JOB_NOT_FOUND()
  })
  app.post('/validate', { schema: { body }, attachValidation: name === 'limit-validate' }, async (request, reply) => {
    if (request.validationError !== undefined) {
      return reply.code(422).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify({
        detail: "Field 'prompt' is required", error_code: 'VALIDATION_MISSING_FIELD', request_id: request.id, field: 'prompt'
      }))
    }
    return { ok: true }
  })
  app.get('/ok', async () => ({ ok: true }))
  return app
}

if (process.argv[1]?.endsWith('server.ts') === true) {
  const name = process.argv[2] as Contender
  if (!(contenders as readonly string[]).includes(name)) throw new Error(`unknown contender ${name}`)
  const app = await buildContender(name, process.env.BENCH_LOGGING === '1')
  await app.listen({ port: 0, host: '127.0.0.1' })
  let cpu = process.cpuUsage()
  process.on('message', (message) => {
    if (message === 'exit') {
      process.exit(0)
    } else if (message === 'reset') {
      cpu = process.cpuUsage()
      process.send?.({ reset: true })
    } else if (message === 'usage') {
      const used = process.cpuUsage(cpu)
      process.send?.({ cpuMicros: used.user + used.system, rss: process.memoryUsage().rss, maxRss: process.resourceUsage().maxRSS * 1024 })
    }
  })
  const address = app.server.address()
  process.send?.({ port: typeof address === 'object' && address !== null ? address.port : 0 })
}
