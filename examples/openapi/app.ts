import Fastify, { type FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
// In your project: from 'fastify-error-envelope'
import errorEnvelope, { ApiError, defineErrors, presets, requestIdOptions } from '../../src/index.js'

/** The app's own codes, merged over the aitbc preset's. */
export const errors = defineErrors({
  JOB_QUEUE_FULL: { status: 503, message: 'The job queue is full, retry later', retryable: true, category: 'Job' }
})

/**
 * A jobs API whose OpenAPI document shows every error response: each route declares the codes it
 * answers in `config.errors`, and the plugin writes their responses (the aitbc body by `$ref`, one
 * example per code), with the conditions the route can meet (validation, body, internal error).
 * The document is at /openapi.json, rendered by `@fastify/swagger-ui` at /docs.
 */
export async function buildApp (): Promise<FastifyInstance> {
  const app = Fastify({ ...requestIdOptions() })
  await app.register(swagger, {
    openapi: { info: { title: 'Jobs API', version: '1.0.0' } },
    // Shared schemas become components named by their $id, so every route refers to one FlatError.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => typeof json.$id === 'string' ? json.$id : `def-${i}` }
  })
  await app.register(errorEnvelope, { preset: 'aitbc', errors, undeclared: 'warn' })
  // After the plugin, as every plugin that adds routes: its pages' errors are answered in the envelope too.
  await app.register(swaggerUi, { routePrefix: '/docs' })

  app.get('/v1/jobs/:id', {
    config: { errors: ['AUTH_MISSING_KEY', 'AUTH_INVALID_KEY', presets.aitbc.errors.JOB_NOT_FOUND, 'JOB_EXPIRED'] },
    schema: {
      summary: 'Get a job',
      params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
      response: { 200: { type: 'object', properties: { id: { type: 'string' }, status: { type: 'string' } } } }
    }
  }, async (request) => {
    throw new ApiError('JOB_NOT_FOUND', { message: `Job ${(request.params as { id: string }).id} not found` })
  })

  app.post('/v1/jobs', {
    config: { errors: ['AUTH_MISSING_KEY', errors.JOB_QUEUE_FULL] },
    schema: {
      summary: 'Submit a job',
      body: { type: 'object', required: ['prompt'], properties: { prompt: { type: 'string', maxLength: 200 } } },
      response: { 201: { type: 'object', properties: { id: { type: 'string' } } } }
    }
  }, async (_request, reply) => reply.code(201).send({ id: 'job-1' }))

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  return app
}
