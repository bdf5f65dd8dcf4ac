import t from 'tap'
import { ApiError, presets, type ApiErrorOptions } from '../../src/index.js'
import { build } from '../helper.js'

const problemJson = 'application/problem+json'
const members = ['code', 'detail', 'instance', 'request_id', 'status', 'title', 'type']

type Factory = (opts?: ApiErrorOptions) => ApiError
const factories = presets.problem.errors as unknown as Record<string, Factory>

t.test('a thrown error is RFC 9457 problem details', async t => {
  const app = await build(t, { requestId: 'req-problem-1', plugin: { preset: 'problem' } })
  app.get('/things/:id', async () => { throw presets.problem.errors.NOT_FOUND({ message: 'Thing 42 does not exist' }) })
  const res = await app.inject('/things/42?expand=owner&x=1')
  t.equal(res.statusCode, 404)
  t.equal(res.headers['content-type'], problemJson)
  t.strictSame(res.json(), {
    type: 'about:blank',
    title: 'Not Found',
    status: 404,
    detail: 'Thing 42 does not exist',
    instance: '/things/42',
    code: 'NOT_FOUND',
    request_id: 'req-problem-1'
  })
  t.equal(res.headers['x-request-id'], 'req-problem-1')
})

t.test('an unmatched route is a problem document too', async t => {
  const app = await build(t, { plugin: { preset: 'problem' } })
  const res = await app.inject('/nowhere?q=1')
  t.equal(res.statusCode, 404)
  t.equal(res.headers['content-type'], problemJson)
  const body = res.json()
  t.strictSame(Object.keys(body).sort(), members)
  t.match(body, { type: 'about:blank', title: 'Not Found', status: 404, instance: '/nowhere', code: 'NOT_FOUND' })
  t.equal(body.request_id, res.headers['x-request-id'])
})

t.test('title is the HTTP status text without problemTypeBase', async t => {
  const app = await build(t, { plugin: { preset: 'problem' } })
  app.get('/', async () => { throw new ApiError('PAYLOAD_TOO_LARGE') })
  const body = (await app.inject('/')).json()
  t.equal(body.type, 'about:blank')
  t.equal(body.title, 'Content Too Large', 'RFC 9110 §15.5.14')
})

t.test('problemTypeBase: type is base + lower-kebab code, title the catalog title', async t => {
  const app = await build(t, { plugin: { preset: 'problem', problemTypeBase: 'https://errors.example.com/problems/' } })
  app.get('/big', async () => { throw new ApiError('PAYLOAD_TOO_LARGE') })
  app.get('/gone', async () => { throw presets.problem.errors.GONE() })
  const big = await app.inject('/big')
  t.equal(big.statusCode, 413)
  t.equal(big.headers['content-type'], problemJson)
  t.match(big.json(), {
    type: 'https://errors.example.com/problems/payload-too-large',
    title: 'Content Too Large',
    status: 413,
    code: 'PAYLOAD_TOO_LARGE'
  })
  const gone = await app.inject('/gone')
  t.match(gone.json(), { type: 'https://errors.example.com/problems/gone', title: 'Gone', status: 410 })
})

t.test('validation failure: 422 VALIDATION_FAILED listing every violation', async t => {
  const app = await build(t, {
    requestId: 'req-v',
    server: { ajv: { customOptions: { allErrors: true } } },
    plugin: { preset: 'problem' }
  })
  app.post('/jobs', {
    schema: {
      body: {
        type: 'object',
        required: ['prompt'],
        properties: {
          prompt: { type: 'string' },
          max_tokens: { type: 'integer', minimum: 1 },
          model: { type: 'string', enum: ['small', 'large'] }
        }
      }
    }
  }, async () => ({ ok: true }))
  const res = await app.inject({ method: 'POST', url: '/jobs?dry=1', payload: { max_tokens: 0, model: 'huge' } })
  t.equal(res.statusCode, 422)
  t.equal(res.headers['content-type'], problemJson)
  const body = res.json()
  t.strictSame(Object.keys(body).sort(), [...members, 'errors'].sort())
  t.match(body, {
    type: 'about:blank',
    title: 'Unprocessable Content',
    status: 422,
    detail: "Field 'prompt' is required",
    instance: '/jobs',
    code: 'VALIDATION_FAILED',
    request_id: 'req-v'
  })
  t.equal(body.errors.length, 3, 'one entry per violation')
  const byField = Object.fromEntries(body.errors.map((e: { field: string }) => [e.field, e]))
  t.strictSame(byField.prompt, { detail: "Field 'prompt' is required", code: 'VALIDATION_FAILED', field: 'prompt', pointer: '#/prompt' })
  t.match(byField.max_tokens, { code: 'VALIDATION_FAILED', field: 'max_tokens', pointer: '#/max_tokens', detail: /max_tokens/ })
  t.match(byField.model, { code: 'VALIDATION_FAILED', field: 'model', pointer: '#/model', detail: /model/ })
})

t.test('a querystring violation points into the querystring', async t => {
  const app = await build(t, { plugin: { preset: 'problem' } })
  app.get('/jobs', {
    schema: { querystring: { type: 'object', properties: { limit: { type: 'integer', maximum: 100 } } } }
  }, async () => [])
  const res = await app.inject('/jobs?limit=1000')
  t.equal(res.statusCode, 422)
  const body = res.json()
  t.equal(body.code, 'VALIDATION_FAILED')
  t.equal(body.instance, '/jobs')
  t.strictSame(body.errors, [{ detail: "Field 'limit' must be <= 100", code: 'VALIDATION_FAILED', field: 'limit', parameter: 'limit' }])
  t.equal(body.errors.length, 1)
})

t.test('every code of presets.problem.codes answers its status', async t => {
  const app = await build(t, { plugin: { preset: 'problem' } })
  app.get<{ Params: { code: string } }>('/throw/:code', async request => {
    throw (factories[request.params.code] as Factory)()
  })
  t.ok(presets.problem.codes.length >= 18)
  for (const row of presets.problem.codes) {
    const res = await app.inject(`/throw/${row.code}`)
    const body = res.json()
    t.equal(res.statusCode, row.status, `${row.code} status`)
    t.equal(res.headers['content-type'], problemJson, `${row.code} content type`)
    t.strictSame(Object.keys(body).sort(), members, `${row.code} members`)
    t.match(body, {
      type: 'about:blank',
      title: (presets.problem.catalog as Record<string, { title?: string }>)[row.code]?.title,
      status: row.status,
      instance: `/throw/${row.code}`,
      code: row.code,
      request_id: res.headers['x-request-id']
    }, row.code)
    if (row.status < 500) t.equal(body.detail, row.message, `${row.code} detail`)
  }
})
