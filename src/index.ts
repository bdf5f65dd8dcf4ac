import type { FastifyInstance, FastifyPluginAsync, preHandlerHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { setClientErrorResponder } from './client-error.js'
import { registerDocsSite } from './docs-site.js'
import { createHandlers } from './handler.js'
import { resolveOptions, type ErrorEnvelopeOptions } from './options.js'
import { registerMaintenance } from './maintenance.js'
import { refuseUnreadRouteLimits, registerRateLimit } from './rate-limit/index.js'
import { assertSingleRegistration, registerRouteOrderCheck } from './route-order.js'
import { registerRouteErrors } from './route-errors.js'
import { answerFrameworkErrors, isRequestIdGenerator, restoreDefaultChildLogger } from './request-id.js'
import { scopeLogController } from './log-controller.js'
import { installSchemaErrorFormatter } from './schema-errors.js'
import { createErrorTelemetry, loadOtelApi } from './telemetry.js'
import { registerStreamErrors } from './stream-errors.js'

declare module 'fastify' {
  interface FastifyReply {
    /**
     * Answers with the envelope for `error`, as the plugin's error handler
     * would: for encapsulated plugins that set an error handler of their own.
     */
    sendError: (error: unknown) => FastifyReply
  }
  interface FastifyInstance {
    /**
     * Turns the maintenance 503 on or off, optionally with a new Retry-After (whole seconds).
     * Needs the `maintenance` option: without it, it throws a TypeError that says so.
     */
    setMaintenance: (enabled: boolean, retryAfter?: number) => void
  }
  interface FastifyContextConfig {
    /**
     * fastify-error-envelope: the route streams (`text/event-stream` or `application/x-ndjson`
     * passed to `reply.send`), so an error after the head ends the stream with an error event.
     * Routes of `@fastify/sse` and routes whose `schema.response` lists such a content need not say it.
     */
    stream?: boolean
  }
}

// Async, so that a bad option rejects `register` instead of escaping avvio as an uncaught exception.
const errorEnvelopePlugin: FastifyPluginAsync<ErrorEnvelopeOptions> = async function errorEnvelope (fastify: FastifyInstance, options) {
  // The docs pages are served below the prefix of the context the plugin is registered in; their links say so.
  const opts = resolveOptions(options, fastify.prefix)
  assertSingleRegistration(fastify, opts.notFound)
  registerRouteOrderCheck(fastify)
  restoreDefaultChildLogger(fastify)
  const routeErrors = registerRouteErrors(fastify, opts)
  // Without `@opentelemetry/api` (or with `telemetry: false`) nothing is loaded and the handler records nothing.
  const otel = opts.telemetry ? await loadOtelApi() : undefined
  const telemetry = otel === undefined ? undefined : createErrorTelemetry(otel, opts.redact)
  // Sets X-Request-Id on every response of this scope.
  const carryOnCompletion = scopeLogController(fastify, { header: opts.requestIdHeader, completion: opts.clientErrorLog === 'completion' })
  const { errorEnvelopeHandler, sendError, notFoundEnvelopeHandler, respond, streamAnswer, abandon } = createHandlers(opts, { telemetry, carryOnCompletion, checkAnswer: routeErrors.check })

  fastify.setErrorHandler(errorEnvelopeHandler)
  answerFrameworkErrors(fastify, sendError)
  installSchemaErrorFormatter(fastify)

  const notFoundHooks = opts.rateLimit === undefined ? undefined : await registerRateLimit(fastify, opts.rateLimit)
  if (opts.rateLimit === undefined) refuseUnreadRouteLimits(fastify)
  if (opts.notFound) {
    // Unmatched routes count against the limit too, and carry its headers where the preset wants them on every response.
    if (notFoundHooks === undefined) {
      fastify.setNotFoundHandler(notFoundEnvelopeHandler)
    } else {
      fastify.setNotFoundHandler(notFoundHooks as { preHandler?: preHandlerHookHandler }, notFoundEnvelopeHandler)
    }
  }
  registerMaintenance(fastify, opts.maintenance)
  if (!fastify.hasReplyDecorator('sendError')) {
    fastify.decorateReply('sendError', function sendErrorReply (this: import('fastify').FastifyReply, error: unknown) {
      sendError(error, this.request, this)
      return this
    })
  }
  fastify.addHook('onReady', function checkRequestIds (done) {
    warnOfDefaultRequestIds(fastify)
    done()
  })
  setClientErrorResponder(fastify, respond)
  registerStreamErrors(fastify, streamAnswer, abandon)
  if (opts.docs !== undefined) registerDocsSite(fastify, opts, opts.docs, routeErrors.routesByCode)
}

const warned = new WeakSet<object>()

/**
 * Without `requestIdOptions()`, Fastify's own ids are `req-1`, `req-2`, …: predictable, the
 * same after every restart and on every instance, and an incoming X-Request-Id is ignored.
 * Says so once per server, at ready. An app that made its own `genReqId` is left alone.
 */
function warnOfDefaultRequestIds (instance: FastifyInstance): void {
  const genReqId = (instance as unknown as { genReqId?: unknown }).genReqId
  if (isRequestIdGenerator(genReqId) || typeof genReqId !== 'function' || genReqId.name !== 'defaultGenReqId') return
  if (warned.has(instance.server)) return
  warned.add(instance.server)
  instance.log.warn('fastify-error-envelope: request ids are Fastify\'s default req-1, req-2, …: predictable, repeated after ' +
    'every restart and on every instance, and an incoming X-Request-Id is ignored. Spread requestIdOptions() into ' +
    'Fastify({ … }) for random req_… ids, valid incoming X-Request-Ids kept, and request_id on every log line.')
}

/**
 * The plugin. Register it before your routes.
 *
 * @example
 * await app.register(errorEnvelope, { preset: 'aitbc' })
 */
const errorEnvelope = fp(errorEnvelopePlugin, { name: 'fastify-error-envelope', fastify: '5.x' })

export default errorEnvelope
export { errorEnvelope }
export { ApiError, isApiError, type ApiErrorOptions, type ErrorCode, type ErrorFactory, type ErrorFactories, type Register, type TemplateParams } from './errors.js'
export { defineErrors, type CatalogEntry, type CatalogSpec, type CodeRow, type RetryGuidance } from './catalog.js'
export { presets, type PresetName, type Preset, type Condition, type FieldRules } from './presets/index.js'
export { requestIdOptions, type RequestIdOptions, type RequestIdServerOptions } from './request-id.js'
export { clientErrorHandler } from './client-error.js'
export type { ErrorEnvelopeOptions, DocsOptions } from './options.js'
export type { CodePageJson } from './docs-site.js'
export type { DeclaredError } from './route-errors.js'
export type { RateLimitOptions, QuotaOptions, LimitOptions, LimitHeaders, RouteRateLimit, RateLimitHook } from './rate-limit/index.js'
export type { ErrorRecord, Format, FormatterFunction, Violation } from './record.js'
export {
  FlatErrorSchema, EnvelopeErrorSchema, OpenAIErrorSchema, ProblemDetailsSchema,
  createFlatFormat, createEnvelopeFormat, createOpenAIFormat, createProblemFormat,
  type FlatError, type EnvelopeError, type OpenAIError, type ProblemDetails, type FormatName
} from './formats/index.js'
export type { FlatFormatOptions } from './formats/flat.js'
export type { EnvelopeFormatOptions } from './formats/envelope.js'
export type { OpenAIFormatOptions } from './formats/openai.js'
export type { ProblemFormatOptions } from './formats/problem.js'
