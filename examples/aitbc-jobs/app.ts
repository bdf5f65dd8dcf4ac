import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
// In your project: from 'fastify-error-envelope'
import errorEnvelope, { ApiError, clientErrorHandler, defineErrors, presets, requestIdOptions } from '../../src/index.js'

// Our own messages for two seed codes: the templates' {params} are type-checked.
const errors = defineErrors({
  JOB_NOT_FOUND: { status: 404, message: 'Job {job_id} not found', category: 'Job', retryable: false },
  JOB_ALREADY_CLAIMED: { status: 409, message: 'Job {job_id} already claimed by {miner_id}', category: 'Job', retryable: false }
})

interface Job {
  id: string
  prompt: string
  model: string
  status: 'queued' | 'claimed' | 'cancelled'
  miner_id?: string
}

const submitSchema = {
  body: {
    type: 'object',
    required: ['prompt'],
    additionalProperties: false,
    properties: {
      prompt: { type: 'string', minLength: 1, maxLength: 200 },
      model: { type: 'string', enum: ['llama-3-8b', 'mistral-7b'], default: 'llama-3-8b' },
      max_tokens: { type: 'integer', minimum: 1, maximum: 4096 }
    }
  }
} as const

const jobParams = {
  params: { type: 'object', properties: { id: { type: 'string', pattern: '^job-[a-z0-9]+$' } } }
} as const

/** The example jobs API: submit, read, claim and cancel jobs, every error in the AITBC envelope. */
export async function buildApp (opts: { logger?: FastifyServerOptions['logger'] } = {}): Promise<FastifyInstance> {
  const app = Fastify({ ...requestIdOptions(), clientErrorHandler, logger: opts.logger ?? false })
  await app.register(errorEnvelope, { preset: 'aitbc', errors })

  const apiKeys = new Set(['demo-key'])
  const jobs = new Map<string, Job>()
  let next = 1

  app.addHook('onRequest', async (request) => {
    const key = request.headers['x-api-key']
    if (key === undefined) throw new ApiError('AUTH_MISSING_KEY', { message: 'API key is required for this endpoint' })
    if (typeof key !== 'string' || !apiKeys.has(key)) throw presets.aitbc.errors.AUTH_INVALID_KEY()
  })

  function find (id: string): Job {
    const job = jobs.get(id)
    if (job === undefined) throw errors.JOB_NOT_FOUND({ job_id: id })
    return job
  }

  app.post('/v1/jobs', { schema: submitSchema }, async (request, reply) => {
    const body = request.body as { prompt: string, model: string }
    const job: Job = { id: `job-${(next++).toString(36)}`, prompt: body.prompt, model: body.model, status: 'queued' }
    jobs.set(job.id, job)
    return reply.code(201).send(job)
  })

  app.get('/v1/jobs/:id', { schema: jobParams }, async (request) => find((request.params as { id: string }).id))

  app.post('/v1/jobs/:id/claim', { schema: jobParams }, async (request) => {
    const job = find((request.params as { id: string }).id)
    const miner = request.headers['x-miner-id']
    if (typeof miner !== 'string') throw new ApiError('VALIDATION_MISSING_FIELD', { message: "Header 'x-miner-id' is required", field: 'x-miner-id' })
    if (job.status === 'cancelled') throw presets.aitbc.errors.JOB_ALREADY_CANCELLED()
    if (job.status === 'claimed') throw errors.JOB_ALREADY_CLAIMED({ job_id: job.id, miner_id: job.miner_id ?? 'another miner' })
    job.status = 'claimed'
    job.miner_id = miner
    return job
  })

  app.post('/v1/jobs/:id/cancel', { schema: jobParams }, async (request) => {
    const job = find((request.params as { id: string }).id)
    if (job.status === 'claimed') throw new ApiError('JOB_INVALID_STATUS', { message: `Job ${job.id} is claimed and cannot be cancelled` })
    job.status = 'cancelled'
    return job
  })

  app.get('/v1/busy', async () => {
    throw presets.aitbc.errors.RATE_LIMIT_EXCEEDED({ retryAfter: 60 })
  })

  return app
}
