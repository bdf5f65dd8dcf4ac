import { metrics } from '@opentelemetry/api'
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus'
import { MeterProvider } from '@opentelemetry/sdk-metrics'
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import { FastifyOtelInstrumentation } from '@fastify/otel'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
// In your project: from 'fastify-error-envelope'
import errorEnvelope, { clientErrorHandler, defineErrors, requestIdOptions } from '../../src/index.js'

const errors = defineErrors({
  ITEM_NOT_FOUND: { status: 404, message: 'Item {item_id} not found', retryable: false }
})

/**
 * The OpenTelemetry SDK, as an app sets it up once at start: a tracer provider (spans are made
 * by `@fastify/otel`; add a span processor to export them) and a meter provider whose reader is
 * the Prometheus exporter. Its own server is not started: the app serves `/metrics` itself.
 */
export function setUpTelemetry (): { exporter: PrometheusExporter, instrumentation: FastifyOtelInstrumentation } {
  new NodeTracerProvider().register()
  const exporter = new PrometheusExporter({ preventServerStart: true })
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [exporter] }))
  // Exceptions are recorded by the plugin, for 5xx and programming errors only (docs/guides/observability.md).
  const instrumentation = new FastifyOtelInstrumentation({ recordExceptions: false })
  return { exporter, instrumentation }
}

export async function buildApp (opts: { logger?: FastifyServerOptions['logger'] } = {}): Promise<FastifyInstance> {
  const { exporter, instrumentation } = setUpTelemetry()
  // traceparent: a request that arrives inside a trace answers with its trace id as request_id.
  const app = Fastify({ logger: opts.logger ?? false, ...requestIdOptions({ traceparent: true }), clientErrorHandler })
  await app.register(instrumentation.plugin())
  await app.register(errorEnvelope, { errors })

  app.get('/metrics', { config: { otel: false } }, (request, reply) => {
    reply.hijack()
    exporter.getMetricsRequestHandler(request.raw, reply.raw)
  })
  app.get<{ Params: { id: string } }>('/v1/items/:id', async request => {
    if (request.params.id === 'boom') throw new Error('the item store is down')
    throw errors.ITEM_NOT_FOUND({ item_id: request.params.id })
  })
  app.get('/health', async () => ({ ok: true }))
  return app
}
