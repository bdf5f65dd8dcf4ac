import Fastify, { type FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
// In your project: from 'fastify-error-envelope'
import errorEnvelope, { FlatErrorSchema, presets, requestIdOptions } from '../../src/index.js'

/**
 * A jobs API whose OpenAPI document shows its error responses: the routes
 * declare the exported FlatErrorSchema (the aitbc body) for their 4xx/5xx.
 */
export async function buildApp (): Promise<FastifyInstance> {
  const app = Fastify({ ...requestIdOptions() })
  await app.register(swagger, {
    openapi: { info: { title: 'Jobs API', version: '1.0.0' } },
    // Shared schemas become components, so every route refers to one error body.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => typeof json.$id === 'string' ? json.$id : `def-${i}` }
  })
  await app.register(errorEnvelope, { preset: 'aitbc' })
  app.addSchema(FlatErrorSchema)
  const error = { $ref: 'FlatError#' }

  app.get('/v1/jobs/:id', {
    schema: {
      params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
      response: {
        200: { type: 'object', properties: { id: { type: 'string' }, status: { type: 'string' } } },
        401: { description: 'AUTH_MISSING_KEY, AUTH_INVALID_KEY', ...error },
        404: { description: 'JOB_NOT_FOUND', ...error },
        500: { description: 'SYSTEM_INTERNAL_ERROR', ...error }
      }
    }
  }, async (request) => {
    throw presets.aitbc.errors.JOB_NOT_FOUND({ message: `Job ${(request.params as { id: string }).id} not found` })
  })

  app.post('/v1/jobs', {
    schema: {
      body: { type: 'object', required: ['prompt'], properties: { prompt: { type: 'string', maxLength: 200 } } },
      response: {
        201: { type: 'object', properties: { id: { type: 'string' } } },
        422: { description: 'VALIDATION_MISSING_FIELD, VALIDATION_PROMPT_TOO_LONG, …', ...error },
        429: { description: 'RATE_LIMIT_EXCEEDED, with retry_after', ...error }
      }
    }
  }, async (_request, reply) => reply.code(201).send({ id: 'job-1' }))

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  return app
}
