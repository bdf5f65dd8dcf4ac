// One benchmark contender per process: `node --import tsx bench/server.ts <contender>`.
// Sends its port to the driver (or prints `port <n>` when it has no IPC channel, as under valgrind)
// and answers the driver's `usage` messages with its CPU time and peak RSS.
import { createWriteStream } from 'node:fs'
import createError from '@fastify/error'
import rateLimit from '@fastify/rate-limit'
import Fastify, { type FastifyInstance, type FastifyPluginCallback, type FastifySchemaValidationError } from 'fastify'
import errorEnvelope, { presets, requestIdOptions } from '../src/index.js'
import { answerCounter } from './inject-counter.js'

export const contenders = [
  'limit', 'fastify-default',
  'flat', 'envelope', 'openai', 'problem', 'flat-send-error', 'throw-trivial',
  'limit-validate', 'flat-validate', 'flat-validate-stack',
  // The success path, step by step: plain Fastify with no server options, + requestIdOptions(), + the plugin.
  'plain-ok', 'ids-ok', 'flat-ok',
  'rate-limit-own', 'flat-rate-limit',
  // The success path of a rate-limited route: @fastify/rate-limit by hand on plain Fastify, and the plugin's rateLimit.
  'rate-limit-own-ok', 'flat-rate-limit-ok',
  // Telemetry's cost on /err: off; on with the API and no SDK (what `flat` is when the API is installed);
  // with an SDK and `@fastify/otel` making spans, on and off.
  'flat-telemetry-off', 'flat-otel-sdk', 'flat-otel-sdk-telemetry-off',
  // A 4xx's log line: its own line (flat, the default) or error_code on Fastify's completion line.
  'flat-completion-log',
  // A route that declares its errors (`config.errors`): the undeclared check on every error answer.
  'flat-declared'
] as const
export type Contender = typeof contenders[number]

/** Contenders that run on plain Fastify, with no server options at all. */
const plain: readonly Contender[] = ['plain-ok', 'rate-limit-own-ok']
/** The same limit for both rate-limited success contenders: high enough that every request passes. */
const passingLimit = { max: 1_000_000_000, timeWindow: 60_000 }

const NotFound = createError('JOB_NOT_FOUND', "Job doesn't exist", 404)
/** Fastify's default schema error formatter (lib/context.js), which captures a stack trace. */
function fastifyFormatter (errors: FastifySchemaValidationError[], dataVar: string): Error {
  return new Error(errors.map(e => dataVar + e.instancePath + ' ' + String(e.message)).join(', '))
}
const body = { type: 'object', required: ['prompt'], properties: { prompt: { type: 'string' } } } as const

/**
 * An OpenTelemetry SDK as an app sets one up: a tracer provider (spans recorded, not exported),
 * a meter provider read by a Prometheus exporter (not scraped), and `@fastify/otel`'s plugin.
 */
async function otelSdk (): Promise<FastifyPluginCallback> {
  const { metrics } = await import('@opentelemetry/api')
  const { NodeTracerProvider } = await import('@opentelemetry/sdk-trace-node')
  const { MeterProvider } = await import('@opentelemetry/sdk-metrics')
  const { PrometheusExporter } = await import('@opentelemetry/exporter-prometheus')
  const { FastifyOtelInstrumentation } = await import('@fastify/otel')
  new NodeTracerProvider().register()
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [new PrometheusExporter({ preventServerStart: true })] }))
  return new FastifyOtelInstrumentation({ recordExceptions: false }).plugin() as FastifyPluginCallback
}

/**
 * `logging`: `true` is pino at info to /dev/null; `'sink'` is pino at info into a stream that drops
 * each line as it gets it (what logging costs in JavaScript, without I/O, whose batching varies from
 * run to run); another string is pino at info to that file (Fastify's `logger.file`, a pino
 * destination), as a production app would log.
 */
export async function buildContender (name: Contender, logging: boolean | string): Promise<FastifyInstance> {
  const logger = logging === false
    ? false
    : logging === 'sink'
      ? { level: 'info', stream: { write (_line: string) {} } }
      : typeof logging === 'string' ? { level: 'info', file: logging } : { level: 'info', stream: createWriteStream('/dev/null') }
  // flat-validate-stack: the plugin under Fastify's own schema error formatter (a stack per failure), as it ran before it installed its own.
  const app = plain.includes(name)
    ? Fastify({ logger })
    : Fastify({ logger, ...requestIdOptions(), ...(name === 'flat-validate-stack' ? { schemaErrorFormatter: fastifyFormatter } : {}) })
  const format = (['flat', 'envelope', 'openai', 'problem'] as const).find(f => name === f || name.startsWith(`${f}-`))
  if (name.startsWith('flat-otel-sdk')) await app.register(await otelSdk())
  if (format !== undefined) {
    await app.register(errorEnvelope, {
      format,
      telemetry: !name.endsWith('telemetry-off'),
      clientErrorLog: name === 'flat-completion-log' ? 'completion' : 'line',
      ...(name === 'flat-rate-limit' ? { rateLimit: { max: 0, timeWindow: 60_000 } } : {}),
      ...(name === 'flat-rate-limit-ok' ? { rateLimit: passingLimit } : {})
    })
  }
  if (name === 'rate-limit-own') await app.register(rateLimit, { max: 0, timeWindow: 60_000 })
  if (name === 'rate-limit-own-ok') await app.register(rateLimit, passingLimit)
  if (name === 'throw-trivial') {
    // Fastify's throw path with the cheapest possible error handler: the floor for any handler.
    app.setErrorHandler((_err, request, reply) => {
      reply.code(404).header('content-type', 'application/json; charset=utf-8')
        .send(JSON.stringify({ detail: "Job doesn't exist", error_code: 'JOB_NOT_FOUND', request_id: request.id }))
    })
  }

  // The limit: the same body as the flat format, sent by the route itself.
  app.get('/err', name === 'flat-declared' ? { config: { errors: ['JOB_NOT_FOUND'] } } : {}, async (request, reply) => {
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
  const logging = process.env.BENCH_LOGGING
  const app = await buildContender(name, logging === undefined || logging === '' || logging === '0' ? false : logging === '1' ? true : logging)
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
  process.on('SIGTERM', () => process.exit(0))
  answerCounter(app)
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  if (process.send === undefined) console.log(`port ${port}`)
  else process.send({ port })
}
