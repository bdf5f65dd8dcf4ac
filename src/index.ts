import type { FastifyInstance, FastifyPluginAsync, preHandlerHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { setClientErrorResponder } from './client-error.js'
import { registerDocsSite } from './docs-site.js'
import { createHandlers } from './handler.js'
import { normalizeOptions, type ErrorEnvelopeOptions } from './options.js'
import { registerMaintenance } from './maintenance.js'
import { refuseUnreadRouteLimits, registerRateLimit } from './rate-limit.js'
import { assertSingleRegistration, registerRouteOrderCheck } from './route-order.js'
import { installSchemaErrorFormatter } from './schema-errors.js'

declare module 'fastify' {
  interface FastifyReply {
    /**
     * Answers with the envelope for `error`, as the plugin's error handler
     * would: for encapsulated plugins that set an error handler of their own.
     */
    sendError: (error: unknown) => FastifyReply
  }
  interface FastifyInstance {
    /** With the `maintenance` option: turns the maintenance 503 on or off, optionally with a new Retry-After. */
    setMaintenance: (enabled: boolean, retryAfter?: number) => void
  }
}

// Async, so that a bad option rejects `register` instead of escaping avvio as an uncaught exception.
const errorEnvelopePlugin: FastifyPluginAsync<ErrorEnvelopeOptions> = async function errorEnvelope (fastify: FastifyInstance, options) {
  // The docs pages are served below the prefix of the context the plugin is registered in; their links say so.
  const opts = normalizeOptions(options, fastify.prefix)
  assertSingleRegistration(fastify, opts.notFound)
  registerRouteOrderCheck(fastify)
  const { errorEnvelopeHandler, notFoundEnvelopeHandler, respond } = createHandlers(opts)
  const header = opts.requestIdHeader

  fastify.setErrorHandler(errorEnvelopeHandler)
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
  if (opts.maintenance !== undefined) registerMaintenance(fastify, opts.maintenance)
  if (!fastify.hasReplyDecorator('sendError')) {
    fastify.decorateReply('sendError', function sendError (this: import('fastify').FastifyReply, error: unknown) {
      errorEnvelopeHandler(error, this.request, this)
      return this
    })
  }
  fastify.addHook('onRequest', function setRequestIdHeader (request, reply, next) {
    reply.header(header, request.id)
    next()
  })
  setClientErrorResponder(fastify, respond)
  if (opts.docs !== undefined) registerDocsSite(fastify, opts, opts.docs)
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
export { ApiError, isApiError, type ApiErrorOptions, type ErrorFactory, type ErrorFactories, type TemplateParams } from './errors.js'
export { defineErrors, type CatalogEntry, type CatalogSpec, type CodeRow, type RetryGuidance } from './catalog.js'
export { presets, type PresetName, type Preset, type Condition, type FieldRules } from './presets/index.js'
export { requestIdOptions, generateRequestId, type RequestIdOptions } from './request-id.js'
export { clientErrorHandler } from './client-error.js'
export { normalizeOptions, type ErrorEnvelopeOptions, type DocsOptions } from './options.js'
export type { CodePageJson } from './docs-site.js'
export type { RateLimitOptions, QuotaOptions, LimitOptions, LimitHeaders, RouteRateLimit, RateLimitHook } from './rate-limit.js'
export { ConditionError } from './normalize.js'
export type { ErrorRecord, Format, FormatterFunction, Violation } from './record.js'
export {
  FlatErrorSchema, EnvelopeErrorSchema, OpenAIErrorSchema, ProblemDetailsSchema,
  createFlatFormat, createEnvelopeFormat, createOpenAIFormat, createProblemFormat,
  type FlatError, type EnvelopeError, type OpenAIError, type ProblemDetails, type FormatName
} from './formats/index.js'
