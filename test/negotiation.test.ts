import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { presets, type ErrorEnvelopeOptions } from '../src/index.js'
import { build, type Teardown } from './helper.js'

const requestId = 'req-abc123'
const problemType = 'application/problem+json'
const jsonType = 'application/json; charset=utf-8'
const problemMembers = ['code', 'detail', 'instance', 'request_id', 'status', 'title', 'type']

async function aitbcApp (t: Teardown, plugin: ErrorEnvelopeOptions = {}): Promise<FastifyInstance> {
  const app = await build(t, { requestId, plugin })
  app.get('/jobs/:id', async () => { throw presets.aitbc.errors.JOB_NOT_FOUND({ message: 'Job job-abc123 not found' }) })
  app.post('/jobs', {
    schema: {
      body: {
        type: 'object',
        required: ['prompt'],
        properties: { prompt: { type: 'string' }, model: { type: 'string' } }
      }
    }
  }, async () => ({ ok: true }))
  return app
}

const asksProblem = { accept: 'application/problem+json' }

t.test('negotiate: true answers problem+json to a thrown ApiError when Accept asks for it', async t => {
  const app = await aitbcApp(t, { negotiate: true })
  const res = await app.inject({ url: '/jobs/job-abc123?verbose=1', headers: asksProblem })
  t.equal(res.statusCode, 404)
  t.equal(res.headers['content-type'], problemType)
  t.equal(res.headers['x-request-id'], requestId)
  t.strictSame(res.json(), {
    type: 'about:blank',
    title: 'Not Found',
    status: 404,
    detail: 'Job job-abc123 not found',
    instance: '/jobs/job-abc123',
    code: 'JOB_NOT_FOUND',
    request_id: requestId
  })
})

t.test('negotiate: true answers problem+json to a validation failure, with errors', async t => {
  const app = await aitbcApp(t, { negotiate: true })
  const res = await app.inject({ method: 'POST', url: '/jobs', headers: asksProblem, payload: { model: 'llama' } })
  t.equal(res.statusCode, 422)
  t.equal(res.headers['content-type'], problemType)
  const body = res.json()
  t.strictSame(Object.keys(body).sort(), [...problemMembers, 'errors'].sort())
  t.match(body, {
    type: 'about:blank',
    title: 'Unprocessable Content',
    status: 422,
    detail: "Field 'prompt' is required",
    instance: '/jobs',
    code: 'VALIDATION_MISSING_FIELD',
    request_id: requestId
  })
  t.match(body.errors, [{ code: 'VALIDATION_MISSING_FIELD', field: 'prompt', detail: "Field 'prompt' is required" }])
  t.equal(body.errors.length, 1)
})

t.test('negotiate: true answers problem+json when no route matched', async t => {
  const app = await aitbcApp(t, { negotiate: true })
  const res = await app.inject({ url: '/nope', headers: { accept: 'application/problem+json, application/json;q=0.5' } })
  t.equal(res.statusCode, 404)
  t.equal(res.headers['content-type'], problemType)
  t.strictSame(res.json(), {
    type: 'about:blank',
    title: 'Not Found',
    status: 404,
    detail: 'Route GET /nope not found',
    instance: '/nope',
    code: 'NOT_FOUND',
    request_id: requestId
  })
})

t.test('negotiate: true keeps the preset body for Accept: application/json or no Accept', async t => {
  const app = await aitbcApp(t, { negotiate: true })
  const flat = { detail: 'Job job-abc123 not found', error_code: 'JOB_NOT_FOUND', request_id: requestId }
  for (const headers of [{ accept: 'application/json' }, { accept: '*/*' }, {}]) {
    const res = await app.inject({ url: '/jobs/job-abc123', headers })
    const label = JSON.stringify(headers)
    t.equal(res.statusCode, 404, label)
    t.equal(res.headers['content-type'], jsonType, `${label} content-type`)
    t.strictSame(res.json(), flat, `${label} flat aitbc body`)
  }

  const validation = await app.inject({ method: 'POST', url: '/jobs', headers: { accept: 'application/json' }, payload: { model: 'llama' } })
  t.equal(validation.statusCode, 422)
  t.strictSame(validation.json(), { detail: "Field 'prompt' is required", error_code: 'VALIDATION_MISSING_FIELD', field: 'prompt', request_id: requestId })

  const noRoute = await app.inject({ url: '/nope' })
  t.equal(noRoute.headers['content-type'], jsonType)
  t.strictSame(noRoute.json(), { detail: 'Route GET /nope not found', error_code: 'NOT_FOUND', request_id: requestId })
})

t.test('without negotiate the Accept header is ignored', async t => {
  for (const plugin of [{}, { negotiate: false }]) {
    const app = await aitbcApp(t, plugin)
    const res = await app.inject({ url: '/jobs/job-abc123', headers: asksProblem })
    t.equal(res.statusCode, 404)
    t.equal(res.headers['content-type'], jsonType, `${JSON.stringify(plugin)}: still JSON`)
    t.strictSame(res.json(), { detail: 'Job job-abc123 not found', error_code: 'JOB_NOT_FOUND', request_id: requestId })
    await app.close()
  }
})

t.test('negotiation works whatever the preset: tokenbay', async t => {
  const app = await build(t, { requestId, plugin: { preset: 'tokenbay', negotiate: true } })
  app.post('/v1/chat/completions', async () => { throw presets.tokenbay.errors.model_not_found() })

  const problem = await app.inject({ method: 'POST', url: '/v1/chat/completions', headers: asksProblem, payload: {} })
  t.equal(problem.statusCode, 404)
  t.equal(problem.headers['content-type'], problemType)
  t.match(problem.json(), { status: 404, detail: 'Model does not exist', code: 'model_not_found', request_id: requestId, instance: '/v1/chat/completions' })
  t.strictSame(Object.keys(problem.json()).sort(), problemMembers)

  const openai = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: {} })
  t.equal(openai.headers['content-type'], jsonType)
  t.equal(openai.json().error.code, 'model_not_found')
})

t.test("negotiate: 'yes' fails register with a TypeError naming the option", async t => {
  await t.rejects(build(t, { plugin: { negotiate: 'yes' as unknown as boolean } }), { name: 'TypeError', message: /'negotiate'/ })
})

t.test('retryHeaders: true over aitbc adds x-should-retry and retry-after-ms', async t => {
  const app = await build(t, { plugin: { retryHeaders: true } })
  app.get('/claimed', async () => { throw presets.aitbc.errors.JOB_ALREADY_CLAIMED() })
  app.get('/busy', async () => { throw presets.aitbc.errors.SYSTEM_OVERLOADED({ retryAfter: 3 }) })

  const claimed = await app.inject('/claimed')
  t.equal(claimed.statusCode, 409)
  t.equal(claimed.headers['x-should-retry'], 'false')
  t.notOk('retry-after-ms' in claimed.headers)

  const busy = await app.inject('/busy')
  t.equal(busy.statusCode, 503)
  t.equal(busy.headers['x-should-retry'], 'true')
  t.equal(busy.headers['retry-after'], '3')
  t.equal(busy.headers['retry-after-ms'], '3000')
  t.strictSame(Object.keys(busy.json()).sort(), ['detail', 'error_code', 'request_id', 'retry_after'], 'the body is unchanged')
})

t.test('by default the aitbc preset sends no retry headers', async t => {
  const app = await build(t)
  app.get('/busy', async () => { throw presets.aitbc.errors.SYSTEM_OVERLOADED({ retryAfter: 3 }) })
  const res = await app.inject('/busy')
  t.equal(res.headers['retry-after'], '3')
  t.notOk('x-should-retry' in res.headers)
  t.notOk('retry-after-ms' in res.headers)
})

t.test('retryHeaders: false over tokenbay removes them, Retry-After stays', async t => {
  const app = await build(t, { plugin: { preset: 'tokenbay', retryHeaders: false } })
  app.get('/rate', async () => { throw presets.tokenbay.errors.account_rate_limited({ retryAfter: 2 }) })
  const res = await app.inject('/rate')
  t.equal(res.statusCode, 429)
  t.notOk('x-should-retry' in res.headers)
  t.notOk('retry-after-ms' in res.headers)
  t.equal(res.headers['retry-after'], '2')
  t.equal(res.json().error.code, 'account_rate_limited')
})

t.test('retryHeaders: 1 fails register with a TypeError naming the option', async t => {
  await t.rejects(build(t, { plugin: { retryHeaders: 1 as unknown as boolean } }), { name: 'TypeError', message: /'retryHeaders'/ })
})
