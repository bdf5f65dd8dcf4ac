import t, { type Test } from 'tap'
import OpenAI from 'openai'
import type { FastifyInstance } from 'fastify'
import { ApiError, presets } from '../src/index.js'
import { build, type BuildOptions, type Teardown } from './helper.js'

// The official OpenAI SDK against a real server on loopback: its error classes,
// its requestID, and its retry decisions read our status, body and headers.

const requestId = 'req-fixed-1'
const testTimeout = 15_000

const chatSchema = {
  body: {
    type: 'object',
    required: ['model', 'messages'],
    properties: {
      model: { type: 'string' },
      messages: { type: 'array', minItems: 1 },
      temperature: { type: 'number', minimum: 0, maximum: 2 }
    }
  }
}

function completion (model: string): Record<string, unknown> {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1704067200,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: 'ok', refusal: null }, finish_reason: 'stop', logprobs: null }]
  }
}

/** Starts `app` on loopback (closed at teardown) and returns an SDK client for it. */
async function clientFor (t: Test, app: FastifyInstance, maxRetries: number): Promise<OpenAI> {
  t.teardown(() => app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return new OpenAI({ apiKey: 'test', baseURL: `http://127.0.0.1:${address.port}/v1`, maxRetries, timeout: 5_000 })
}

async function tokenbayApp (t: Teardown, opts: BuildOptions = {}): Promise<FastifyInstance> {
  return build(t, { requestId, ...opts, plugin: { preset: 'tokenbay', ...opts.plugin } })
}

const messages = [{ role: 'user' as const, content: 'hi' }]

/** The SDK's rejection of a call, or a failure when the call succeeds. */
async function sdkError (t: Test, call: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await call
  } catch (err) {
    if (err instanceof OpenAI.APIError) return err
    throw err
  }
  t.fail('the SDK call succeeded')
  throw new Error('expected the SDK call to fail')
}

t.test('the SDK raises its error class with status, code, type, message and requestID', { timeout: testTimeout }, async t => {
  const app = await tokenbayApp(t)
  app.post<{ Body: { model: string } }>('/v1/chat/completions', { schema: chatSchema }, async request => {
    switch (request.body.model) {
      case 'disabled': throw presets.tokenbay.errors.api_key_disabled()
      case 'gpt-9': throw presets.tokenbay.errors.model_not_found({ message: 'Model gpt-9 does not exist', field: 'model' })
      case 'quota': throw presets.tokenbay.errors.api_key_point_limit_exceeded()
      case 'crash': throw new Error('upstream key sk-live-123 rejected by channel 7')
      default: return completion(request.body.model)
    }
  })
  const client = await clientFor(t, app, 0)

  const cases: Array<{ model: string, cls: new (...args: never[]) => InstanceType<typeof OpenAI.APIError>, status: number, code: string, message: string }> = [
    { model: 'disabled', cls: OpenAI.PermissionDeniedError, status: 403, code: 'api_key_disabled', message: 'API key is disabled' },
    { model: 'gpt-9', cls: OpenAI.NotFoundError, status: 404, code: 'model_not_found', message: 'Model gpt-9 does not exist' },
    { model: 'quota', cls: OpenAI.RateLimitError, status: 429, code: 'api_key_point_limit_exceeded', message: 'API key periodic point limit exceeded' },
    { model: 'crash', cls: OpenAI.InternalServerError, status: 500, code: 'internal_error', message: 'Internal Server Error' }
  ]
  for (const c of cases) {
    const err = await sdkError(t, client.chat.completions.create({ model: c.model, messages }))
    t.ok(err instanceof c.cls, `${c.model}: ${c.cls.name}`)
    t.equal(err.status, c.status, `${c.model}: status`)
    t.equal(err.code, c.code, `${c.model}: code`)
    const category = presets.tokenbay.catalog[c.code as keyof typeof presets.tokenbay.catalog].category
    t.equal(err.type, category, `${c.model}: type is the code's category`)
    t.match(err.message, c.message, `${c.model}: message`)
    t.equal(err.requestID, requestId, `${c.model}: requestID is our x-request-id`)
    t.equal(err.headers?.get('x-request-id'), requestId)
  }

  const notFound = await sdkError(t, client.chat.completions.create({ model: 'gpt-9', messages }))
  t.equal(notFound.param, 'model', 'the field reaches the SDK as param')

  const crash = await sdkError(t, client.chat.completions.create({ model: 'crash', messages }))
  t.notMatch(crash.message, 'sk-live-123', 'a 500 keeps its real message to the log')

  const ok = await client.chat.completions.create({ model: 'fine', messages })
  t.equal(ok.choices[0]?.message.content, 'ok', 'a success still goes through')
})

t.test('a validation failure is a BadRequestError naming the field', { timeout: testTimeout }, async t => {
  const app = await tokenbayApp(t)
  app.post('/v1/chat/completions', { schema: chatSchema }, async () => completion('m'))
  const client = await clientFor(t, app, 0)

  const err = await sdkError(t, client.chat.completions.create({ model: 'm', messages, temperature: 5 }))
  t.ok(err instanceof OpenAI.BadRequestError, 'BadRequestError')
  t.equal(err.status, 400)
  t.type(err.code, 'string')
  t.equal(err.param, 'temperature')
  t.match(err.message, 'temperature')
  t.equal(err.requestID, requestId)
})

t.test('requestID equals the x-request-id the server answers with', { timeout: testTimeout }, async t => {
  // No fixed id here: each request gets a generated one, and the SDK must report that one.
  const app = await build(t, { plugin: { preset: 'tokenbay' } })
  app.post('/v1/chat/completions', async () => { throw presets.tokenbay.errors.model_disabled() })
  const client = await clientFor(t, app, 0)

  const err = await sdkError(t, client.chat.completions.create({ model: 'm', messages }))
  t.match(err.requestID, /^req_[0-9a-f]{32}$/)
  t.equal(err.requestID, err.headers?.get('x-request-id'))

  // A client's own id comes back to it.
  const own = await sdkError(t, client.chat.completions.create({ model: 'm', messages }, { headers: { 'x-request-id': 'client-trace-42' } }))
  t.equal(own.requestID, 'client-trace-42')
})

t.test('the SDK retries a 429 with Retry-After and then succeeds', { timeout: testTimeout }, async t => {
  const app = await tokenbayApp(t)
  let hits = 0
  app.post('/v1/chat/completions', async () => {
    hits++
    if (hits === 1) throw new ApiError('account_rate_limited', { retryAfter: 1 })
    return completion('m')
  })
  const client = await clientFor(t, app, 2)

  const started = Date.now()
  const res = await client.chat.completions.create({ model: 'm', messages })
  const elapsed = Date.now() - started
  t.equal(res.choices[0]?.message.content, 'ok', 'the retried call succeeds')
  t.equal(hits, 2, 'the route was hit twice')
  // The SDK's own backoff would be at most 500 ms; waiting ~1 s means it read our header.
  t.ok(elapsed >= 900, `the SDK waited the Retry-After (${elapsed} ms)`)
})

t.test('an exhausted quota (429, not retryable) is not retried', { timeout: testTimeout }, async t => {
  const app = await tokenbayApp(t)
  let hits = 0
  app.post('/v1/chat/completions', async () => {
    hits++
    throw presets.tokenbay.errors.api_key_point_limit_exceeded()
  })
  const client = await clientFor(t, app, 2)

  const err = await sdkError(t, client.chat.completions.create({ model: 'm', messages }))
  t.ok(err instanceof OpenAI.RateLimitError, 'RateLimitError')
  t.equal(err.code, 'api_key_point_limit_exceeded')
  t.equal(err.headers?.get('x-should-retry'), 'false')
  t.equal(hits, 1, 'one request only')
})

t.test('a 409 conflict in the openai format over aitbc is not retried', { timeout: testTimeout }, async t => {
  const app = await build(t, { requestId, plugin: { format: 'openai' } })
  let hits = 0
  app.post('/v1/chat/completions', async () => {
    hits++
    throw presets.aitbc.errors.JOB_ALREADY_CLAIMED()
  })
  const client = await clientFor(t, app, 2)

  const err = await sdkError(t, client.chat.completions.create({ model: 'm', messages }))
  t.ok(err instanceof OpenAI.ConflictError, 'ConflictError')
  t.equal(err.status, 409)
  t.equal(err.code, 'JOB_ALREADY_CLAIMED')
  t.type(err.type, 'string')
  t.match(err.message, 'Job claimed by another miner')
  t.equal(err.requestID, requestId)
  t.equal(hits, 1, 'one request only: the SDK would retry a bare 409')
})

// OpenAI's spec (openai/openai-openapi `Error`, the SDK's `ErrorObject` in resources/shared.d.ts):
// message, type, param and code are all required, param and code nullable. The SDK copies
// `error.param` as it finds it: `undefined` would mean a member the spec requires is missing.
t.test('the openai format: the SDK reads param as null when no field applies, as from OpenAI', { timeout: testTimeout }, async t => {
  const app = await build(t, { requestId, plugin: { format: 'openai' } })
  app.post<{ Body: { model: string } }>('/v1/chat/completions', { schema: chatSchema }, async () => {
    throw new ApiError('AUTH_INVALID_KEY')
  })
  const client = await clientFor(t, app, 0)

  const auth = await sdkError(t, client.chat.completions.create({ model: 'm', messages }))
  t.ok(auth instanceof OpenAI.AuthenticationError, 'AuthenticationError')
  t.equal(auth.param, null, 'param is null, not missing')
  t.equal(auth.type, 'invalid_request_error', "401 is OpenAI's invalid_request_error")
  t.equal(auth.code, 'AUTH_INVALID_KEY')
  const error = auth.error as OpenAI.ErrorObject
  t.strictSame(Object.keys(error), ['message', 'type', 'param', 'code'], "the members of OpenAI's ErrorObject, in its order")

  const invalid = await sdkError(t, client.chat.completions.create({ model: 'm', messages: [] }))
  t.ok(invalid instanceof OpenAI.UnprocessableEntityError, 'UnprocessableEntityError (aitbc answers 422)')
  t.equal(invalid.param, 'messages', 'param names the field when one applies')
  t.equal(invalid.type, 'invalid_request_error')
})

t.test('the tokenbay preset keeps its document: no param member when no field applies', { timeout: testTimeout }, async t => {
  const app = await tokenbayApp(t)
  app.post('/v1/chat/completions', async () => { throw presets.tokenbay.errors.api_key_disabled() })
  const client = await clientFor(t, app, 0)
  const err = await sdkError(t, client.chat.completions.create({ model: 'm', messages }))
  t.equal(err.param, undefined)
  t.strictSame(Object.keys(err.error as object), ['message', 'type', 'code'])
})
