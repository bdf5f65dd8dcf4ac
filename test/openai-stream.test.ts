import { Readable } from 'node:stream'
import OpenAI from 'openai'
import t, { type Test } from 'tap'
import { ApiError } from '../src/index.js'
import { build } from './helper.js'

// The official OpenAI SDK streaming a chat completion from a tokenbay server over a real socket:
// a failure after the first chunks is raised by the SDK as an APIError with the code, type and
// message of the non-streaming body; a failure before the first chunk is the ordinary HTTP error.

const requestId = 'req-stream-sdk'

function chunk (content: string): string {
  return `data: ${JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1704067200,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, delta: { content }, finish_reason: null, logprobs: null }]
  })}\n\n`
}

/** A tokenbay gateway whose completions stream `before` chunks, then fail with `make()`; `/body` throws the same error. */
async function gateway (t: Test, before: string[], make: () => Error): Promise<OpenAI> {
  const app = await build(t, { requestId, plugin: { preset: 'tokenbay' } })
  // Declared streaming as an OpenAPI document says it: its 200 is an event stream (docs/guides/streams.md).
  const schema = { response: { 200: { content: { 'text/event-stream': { schema: { type: 'string' } } } } } }
  app.post('/v1/chat/completions', { schema }, async (_request, reply) => {
    async function * completion (): AsyncGenerator<string> {
      for (const content of before) {
        yield chunk(content)
        await new Promise(resolve => setImmediate(resolve))
      }
      throw make()
    }
    return reply.type('text/event-stream').send(Readable.from(completion()))
  })
  app.post('/v1/body', async () => { throw make() })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return new OpenAI({ apiKey: 'test', baseURL: `http://127.0.0.1:${address.port}/v1`, maxRetries: 0, timeout: 5_000 })
}

const messages = [{ role: 'user' as const, content: 'hi' }]

/** Streams a completion: the contents received and the error the SDK raised. */
async function stream (client: OpenAI): Promise<{ received: string[], error: unknown }> {
  const received: string[] = []
  try {
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true })
    for await (const part of completion) received.push(part.choices[0]?.delta.content ?? '')
  } catch (error) {
    return { received, error }
  }
  return { received, error: undefined }
}

/** The body a non-streaming request gets for the same error. */
async function nonStreaming (client: OpenAI): Promise<{ error: { code: string, type: string, message: string } }> {
  return await client.post('/body', { body: {} }).then(() => { throw new Error('expected an error') }, (err: unknown) => {
    if (err instanceof OpenAI.APIError) return { error: err.error as { code: string, type: string, message: string } }
    throw err
  })
}

const midStream: Array<[string, () => Error]> = [
  ['an upstream failure', () => new ApiError('bad_gateway')],
  ['a rate limit', () => new ApiError('account_rate_limited', { retryAfter: 30 })],
  ['an unknown error, its message hidden', () => new Error('connection to 10.0.0.7 reset')]
]

for (const [name, make] of midStream) {
  t.test(`${name} mid-stream: the SDK yields the first chunks, then raises an APIError with the body's code, type and message`, async t => {
    const client = await gateway(t, ['Hel', 'lo'], make)
    const { received, error } = await stream(client)
    t.same(received, ['Hel', 'lo'], 'the chunks before the error')
    t.ok(error instanceof OpenAI.APIError, `an APIError: ${String(error)}`)
    const apiError = error as InstanceType<typeof OpenAI.APIError>
    const { error: body } = await nonStreaming(client)
    t.equal(apiError.code, body.code)
    t.equal(apiError.type, body.type)
    t.equal(apiError.message, body.message)
    t.same(apiError.error, body, 'the same error object')
    t.equal(apiError.requestID, requestId, 'the request id, from the stream\'s X-Request-Id')
    t.notMatch(apiError.message, /10\.0\.0\.7/)
  })
}

t.test('a failure before the first chunk is the ordinary HTTP error: the SDK\'s RateLimitError, with x-should-retry', async t => {
  const client = await gateway(t, [], () => new ApiError('account_rate_limited', { retryAfter: 30 }))
  const { received, error } = await stream(client)
  t.same(received, [])
  t.ok(error instanceof OpenAI.RateLimitError, String(error))
  const apiError = error as InstanceType<typeof OpenAI.RateLimitError>
  t.equal(apiError.status, 429)
  t.equal(apiError.code, 'account_rate_limited')
  t.equal(apiError.type, 'rate_limit_error')
  t.equal(apiError.headers.get('x-should-retry'), 'true')
  t.equal(apiError.headers.get('retry-after'), '30')
  t.equal(apiError.requestID, requestId)
})
