import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { setClientErrorResponder } from './client-error.js'
import { createHandlers } from './handler.js'
import { normalizeOptions, type ErrorEnvelopeOptions } from './options.js'

declare module 'fastify' {
  interface FastifyReply {
    /**
     * Answers with the envelope for `error`, as the plugin's error handler
     * would: for encapsulated plugins that set an error handler of their own.
     */
    sendError: (error: unknown) => FastifyReply
  }
}

// Async, so that a bad option rejects `register` instead of escaping avvio as an uncaught exception.
const errorEnvelopePlugin: FastifyPluginAsync<ErrorEnvelopeOptions> = async function errorEnvelope (fastify: FastifyInstance, options) {
  const opts = normalizeOptions(options)
  const { errorEnvelopeHandler, notFoundEnvelopeHandler, respond } = createHandlers(opts)
  const header = opts.requestIdHeader

  fastify.setErrorHandler(errorEnvelopeHandler)
  if (opts.notFound) fastify.setNotFoundHandler(notFoundEnvelopeHandler)
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
export { normalizeOptions, type ErrorEnvelopeOptions } from './options.js'
export type { ErrorRecord, Format, FormatterFunction, Violation } from './record.js'
export {
  FlatErrorSchema, EnvelopeErrorSchema, OpenAIErrorSchema, ProblemDetailsSchema,
  createFlatFormat, createEnvelopeFormat, createOpenAIFormat, createProblemFormat,
  type FlatError, type EnvelopeError, type OpenAIError, type ProblemDetails, type FormatName
} from './formats/index.js'
