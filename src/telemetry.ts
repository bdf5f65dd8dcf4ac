import type { FastifyRequest } from 'fastify'
import type { ErrorAnswer } from './answer.js'
import { redactText, safeGet, safeString } from './safe.js'

// The parts of `@opentelemetry/api` used here, written out so that no type of ours names the
// optional peer: a project without it still compiles against our declarations.
interface Attributes { [name: string]: string | number }
interface OtelSpan {
  setAttributes: (attributes: Attributes) => unknown
  setStatus: (status: { code: number, message?: string }) => unknown
  recordException: (exception: { name?: string, message?: string, stack?: string }) => void
}
interface OtelCounter { add: (value: number, attributes: Attributes) => void }
interface OtelMeterProvider {
  getMeter: (name: string, version?: string) => { createCounter: (name: string, options: { description: string, unit: string }) => OtelCounter }
}
export interface OtelApi {
  trace: { getActiveSpan: () => OtelSpan | undefined }
  metrics: { getMeterProvider: () => OtelMeterProvider }
  SpanStatusCode: { ERROR: number }
  createNoopMeter: () => { createCounter: (name: string) => OtelCounter }
}

/** What the error handler calls once per error answer; never throws. */
export type ErrorTelemetry = (request: FastifyRequest, answer: ErrorAnswer, thrown: unknown, sentStatus?: number) => void

/**
 * The counter's name. The semantic conventions name no HTTP error counter (they put `error.type`
 * on `http.server.request.duration`, which HTTP instrumentations record); their counters of
 * errors are `<namespace>.errors` (`hw.errors`, `faas.errors`), so ours is that in our namespace.
 */
export const errorCounterName = 'fastify_error_envelope.errors'
const meterName = 'fastify-error-envelope'

let loading: Promise<OtelApi | undefined> | undefined

/**
 * `@opentelemetry/api`, when it is installed; undefined when it is not. Imported once per process,
 * at the first registration that asks for it: an app without the peer loads nothing.
 */
export function loadOtelApi (): Promise<OtelApi | undefined> {
  loading ??= import('@opentelemetry/api').then(api => api as unknown as OtelApi, () => undefined)
  return loading
}

/**
 * The recorder of error answers for one registration: the attributes and status of the request's
 * span, and the error counter. Everything happens on the error path; the success path has no hook.
 */
export function createErrorTelemetry (api: OtelApi, redact: RegExp | null): ErrorTelemetry {
  // The meter provider may be registered after the plugin (or replaced): the counter follows it.
  // The metrics API has no proxy provider, so a counter made before the SDK would stay a no-op.
  let provider: OtelMeterProvider | undefined
  let counter: OtelCounter | undefined
  // Without a meter provider every counter is this one; its attributes would be built for nothing.
  const noopCounter = api.createNoopMeter().createCounter(errorCounterName)

  function counterNow (): OtelCounter {
    const current = api.metrics.getMeterProvider()
    if (current !== provider || counter === undefined) {
      provider = current
      counter = current.getMeter(meterName).createCounter(errorCounterName, {
        description: 'Error answers sent by fastify-error-envelope, by error code (error.type), status and route',
        unit: '{error}'
      })
    }
    return counter
  }

  return function recordError (request, answer, thrown, sentStatus) {
    try {
      const { code } = answer.record
      // An error inside a stream is sent under the stream's status: the attribute is what the client got.
      const status = sentStatus ?? answer.record.status
      const errors = counterNow()
      if (errors !== noopCounter) {
        const attributes: Attributes = { 'error.type': code, 'http.response.status_code': status }
        const route = request.routeOptions?.url
        if (typeof route === 'string') attributes['http.route'] = route
        attributes['http.request.method'] = request.method
        errors.add(1, attributes)
      }

      const span = requestSpan(api, request)
      if (span === undefined) return
      span.setAttributes({ 'error.type': code, 'http.response.status_code': status })
      // A 4xx is the client's mistake, answered as documented: the conventions leave a server span's status unset.
      if (answer.record.status >= 500 || answer.bug !== undefined) {
        span.setStatus({ code: api.SpanStatusCode.ERROR, message: answer.bug ?? code })
        span.recordException(exceptionOf(thrown, redact))
      }
    } catch {
      // Telemetry never stands between an error and its answer.
    }
  }
}

/**
 * The span of the request: `@fastify/otel`'s request span when it instruments this request
 * (in an async handler the active span may be its handler span, already ended), else the
 * active span (an HTTP server span from another instrumentation).
 */
function requestSpan (api: OtelApi, request: FastifyRequest): OtelSpan | undefined {
  const otel = (request as unknown as { opentelemetry?: () => { span?: OtelSpan | null } }).opentelemetry
  if (typeof otel === 'function') {
    const span = otel.call(request).span
    if (span != null) return span
  }
  return api.trace.getActiveSpan()
}

/** The thrown value as an exception event shows it, redacted as its log line is (docs/safety.md). */
function exceptionOf (thrown: unknown, redact: RegExp | null): { name: string, message: string, stack?: string } {
  const text = (value: unknown): string | undefined => {
    const s = safeString(value, 8192)
    return s === undefined || redact === null ? s : redactText(s)
  }
  const name = safeString(safeGet(thrown, 'name'), 128) ?? (thrown === null ? 'null' : typeof thrown)
  const message = typeof thrown === 'string' ? text(thrown) : text(safeGet(thrown, 'message'))
  const stack = text(safeGet(thrown, 'stack'))
  return stack === undefined ? { name, message: message ?? '' } : { name, message: message ?? '', stack }
}
