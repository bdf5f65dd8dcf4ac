import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify'
// In your project: from 'fastify-error-envelope'
import errorEnvelope, { clientErrorHandler, presets, requestIdOptions } from '../../src/index.js'

/** The models this gateway serves; any other `model` is answered 404 `model_not_found`. */
export const models = ['gpt-4o-mini', 'llama-3.1-8b-instruct'] as const

/** The demo's API keys and their state. */
export const apiKeys: Record<string, 'active' | 'disabled'> = {
  'sk-demo': 'active',
  'sk-burst': 'active',
  'sk-disabled': 'disabled'
}

export interface AppOptions {
  logger?: FastifyServerOptions['logger']
  /** Requests a minute per API key. Default 10. */
  requestsPerMinute?: number
}

const chatSchema = {
  body: {
    type: 'object',
    required: ['model', 'messages'],
    properties: {
      // Not in the enum: 404 model_not_found, from the tokenbay preset's field rule for `model`.
      model: { type: 'string', enum: models },
      messages: {
        type: 'array',
        minItems: 1,
        items: { type: 'object', required: ['role', 'content'], properties: { role: { type: 'string' }, content: { type: 'string' } } }
      },
      // Out of range: 400 invalid_request with param "max_tokens".
      max_tokens: { type: 'integer', minimum: 1, maximum: 4096 }
    }
  }
} as const

interface ChatBody {
  model: string
  messages: Array<{ role: string, content: string }>
  max_tokens?: number
}

/** The key of `Authorization: Bearer <key>`, or undefined. */
function bearer (request: FastifyRequest): string | undefined {
  return /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1]
}

/**
 * An OpenAI-compatible gateway (the `tokenbay` preset, seed 004): every error
 * is `{"error":{"message","type","code"}}` with the request id in
 * `x-request-id`, so OpenAI's SDKs raise their own error classes for it.
 */
export async function buildApp (opts: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({ ...requestIdOptions(), clientErrorHandler, logger: opts.logger ?? false })
  await app.register(errorEnvelope, {
    preset: 'tokenbay',
    // Counted per API key: 429 account_rate_limited, with Retry-After, retry-after-ms and x-should-retry.
    rateLimit: { max: opts.requestsPerMinute ?? 10, timeWindow: '1 minute', keyGenerator: request => String(request.headers.authorization) }
  })

  // An app-wide hook runs before the route's rate limit: only known keys reach the limit's keyGenerator.
  app.addHook('onRequest', async (request) => {
    const key = bearer(request)
    const state = key === undefined ? undefined : apiKeys[key]
    if (state === undefined) throw presets.tokenbay.errors.invalid_api_key({ message: 'Incorrect API key provided' })
    if (state === 'disabled') throw presets.tokenbay.errors.api_key_disabled()
  })

  app.post<{ Body: ChatBody }>('/v1/chat/completions', { schema: chatSchema }, async (request) => {
    const { model, messages } = request.body
    const last = messages[messages.length - 1]?.content ?? ''
    return {
      id: `chatcmpl-${request.id}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: `You said: ${last}`, refusal: null }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 }
    }
  })

  return app
}
