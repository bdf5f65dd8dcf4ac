import { Readable } from 'node:stream'
import fastifySSEModule from '@fastify/sse'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
// In your project: from 'fastify-error-envelope'
import errorEnvelope, { ApiError, clientErrorHandler, requestIdOptions } from '../../src/index.js'

// A CommonJS module: at run time its default import is the plugin itself, which its types call `default`.
const fastifySSE = fastifySSEModule as unknown as typeof fastifySSEModule.default

export interface AppOptions {
  logger?: FastifyServerOptions['logger']
  /** The preset whose body the error events carry. Default `tokenbay` (OpenAI-compatible). */
  preset?: 'tokenbay' | 'genai' | 'sessions'
}

interface ChatBody {
  model: string
  stream?: boolean
  messages: Array<{ role: string, content: string }>
}

const chatSchema = {
  body: {
    type: 'object',
    required: ['model', 'messages'],
    properties: {
      model: { type: 'string' },
      stream: { type: 'boolean' },
      messages: { type: 'array', minItems: 1, items: { type: 'object', required: ['content'], properties: { content: { type: 'string' } } } }
    }
  }
} as const

/** The codes this demo's upstream fails with, in each preset's words. */
const codes = {
  tokenbay: { upstream: 'bad_gateway', limited: 'account_rate_limited' },
  genai: { upstream: 'SERVICE_UNAVAILABLE', limited: 'RATE_LIMIT_EXCEEDED' },
  sessions: { upstream: 'BACKEND_ERROR', limited: 'RATE_LIMIT_EXCEEDED' }
} as const

function chunk (id: string, model: string, content: string): string {
  const body = { id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model, choices: [{ index: 0, delta: { content }, finish_reason: null, logprobs: null }] }
  return `data: ${JSON.stringify(body)}\n\n`
}

/**
 * A streaming gateway. Both ways of streaming in Fastify, and what a failure in the middle becomes:
 *
 * - `POST /v1/chat/completions` with `stream: true`: an async generator, as a `Readable` passed to
 *   `reply.send` with `text/event-stream`; the route says it streams with `config: { stream: true }`. The prompt picks the demo upstream's failure: `fail` fails
 *   after two chunks (502), `limit` is a rate limit after two chunks (429, wait 5 s), `refuse` fails
 *   before the first chunk (an ordinary 429 answer, with its headers).
 * - `GET /v1/events`: the `@fastify/sse` plugin, `reply.sse.send()` of a generator that fails after three events;
 *   its `sse` option says it streams.
 */
export async function buildApp (opts: AppOptions = {}): Promise<FastifyInstance> {
  const preset = opts.preset ?? 'tokenbay'
  const { upstream, limited } = codes[preset]
  const app = Fastify({ ...requestIdOptions(), clientErrorHandler, logger: opts.logger ?? false })
  await app.register(errorEnvelope, { preset })
  await app.register(fastifySSE, { heartbeatInterval: 15_000 })

  // `config.stream`: this route may stream, so the plugin guards it (docs/guides/streams.md, "Which routes are guarded").
  app.post<{ Body: ChatBody }>('/v1/chat/completions', { schema: chatSchema, config: { stream: true } }, async (request, reply) => {
    const { model, messages } = request.body
    const prompt = messages[messages.length - 1]?.content ?? ''
    const id = `chatcmpl-${request.id}`
    if (request.body.stream !== true) {
      if (prompt !== 'hello') throw new ApiError(upstream)
      return { id, object: 'chat.completion', created: Math.floor(Date.now() / 1000), model, choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there', refusal: null }, finish_reason: 'stop', logprobs: null }] }
    }
    async function * completion (): AsyncGenerator<string> {
      if (prompt === 'refuse') throw new ApiError(limited, { retryAfter: 5 })
      for (const word of ['Hello', ' there']) {
        yield chunk(id, model, word)
        await new Promise(resolve => setTimeout(resolve, 10))
      }
      if (prompt === 'fail') throw new ApiError(upstream, { cause: new Error('upstream reset the connection') })
      if (prompt === 'limit') throw new ApiError(limited, { retryAfter: 5 })
      yield 'data: [DONE]\n\n'
    }
    return reply.type('text/event-stream').send(Readable.from(completion()))
  })

  app.get('/v1/events', { sse: 'only' }, async (_request, reply) => {
    async function * ticks (): AsyncGenerator<{ event: string, data: unknown }> {
      for (let n = 1; n <= 3; n++) {
        yield { event: 'tick', data: { n } }
        await new Promise(resolve => setTimeout(resolve, 10))
      }
      throw new ApiError(upstream)
    }
    await reply.sse.send(ticks())
  })

  return app
}
