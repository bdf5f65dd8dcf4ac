import type { ValidateFunction } from 'ajv'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import {
  ApiError, presets,
  createEnvelopeFormat, createFlatFormat, createOpenAIFormat, createProblemFormat,
  EnvelopeErrorSchema, FlatErrorSchema, OpenAIErrorSchema, ProblemDetailsSchema,
  type ErrorEnvelopeOptions, type ErrorRecord
} from '../src/index.js'
import { ajv, build, validators } from './helper.js'
import { openaiType } from '../src/formats/openai.js'

/** What the helpers below need of a tap test. */
interface Assert {
  ok: (value: unknown, message: string) => boolean
  teardown: (fn: () => unknown) => void
}

function conforms (t: Assert, validate: ValidateFunction, body: unknown, what: string): void {
  const ok = validate(body)
  t.ok(ok, `${what} matches its exported schema${ok ? '' : ': ' + ajv.errorsText(validate.errors)}`)
}

const jobSchema = {
  body: {
    type: 'object',
    required: ['prompt'],
    properties: {
      prompt: { type: 'string', maxLength: 10 },
      max_tokens: { type: 'integer', minimum: 1 },
      model: { type: 'string', enum: ['small', 'large'] }
    }
  }
} as const

/** An app with routes that throw the errors these tests need. */
async function app (t: Assert, plugin: ErrorEnvelopeOptions, allErrors = false): Promise<FastifyInstance> {
  const server = allErrors ? { ajv: { customOptions: { allErrors: true } } } : {}
  const instance = await build(t, { requestId: 'req-fmt', plugin, server })
  instance.get('/jobs/:id', async () => { throw new ApiError('JOB_NOT_FOUND') })
  instance.get('/details', async () => { throw new ApiError('JOB_ALREADY_CLAIMED', { details: { job_id: 'job-1', miner: 'm-7' } }) })
  instance.get('/internal', async () => {
    throw presets.aitbc.errors.PAYMENT_FAILED({ message: 'ledger db down at 10.0.0.3', details: { dsn: 'postgres://secret' } })
  })
  instance.get('/auth', async () => { throw presets.aitbc.errors.AUTH_INVALID_KEY() })
  instance.get('/rate', async () => { throw presets.aitbc.errors.RATE_LIMIT_EXCEEDED({ retryAfter: 60 }) })
  instance.get('/overloaded', async () => { throw presets.aitbc.errors.SYSTEM_OVERLOADED() })
  instance.get('/upstream', async () => { throw presets.aitbc.errors.SYSTEM_UPSTREAM_ERROR() })
  instance.post('/jobs', { schema: jobSchema }, async () => ({ ok: true }))
  return instance
}

const invalidJob = { prompt: 'far too long a prompt', max_tokens: 0, model: 'huge' }

// ---------------------------------------------------------------------------
// envelope
// ---------------------------------------------------------------------------

t.test('envelope: success false, error, meta with the request id and a whole-second timestamp', async t => {
  const a = await app(t, { format: 'envelope' })
  const res = await a.inject('/jobs/job-1')
  t.equal(res.statusCode, 404)
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
  t.strictSame(res.json(), {
    success: false,
    error: { code: 'JOB_NOT_FOUND', message: "Job doesn't exist" },
    meta: { request_id: 'req-fmt', timestamp: '2024-01-01T00:00:00Z' }
  })
  conforms(t, validators.envelope, res.json(), 'envelope body')
})

t.test('envelope: a clock with milliseconds still gives whole seconds', async t => {
  const a = await app(t, { format: 'envelope', now: () => new Date('2024-05-06T07:08:09.987Z') })
  const res = await a.inject('/jobs/job-1')
  t.equal(res.json().meta.timestamp, '2024-05-06T07:08:09Z')
})

t.test('envelope: a validation error has details { field, issue }', async t => {
  const a = await app(t, { format: 'envelope' })
  const res = await a.inject({ method: 'POST', url: '/jobs', payload: { model: 'small' } })
  t.equal(res.statusCode, 422)
  t.strictSame(res.json(), {
    success: false,
    error: {
      code: 'VALIDATION_MISSING_FIELD',
      message: "Field 'prompt' is required",
      details: { field: 'prompt', issue: "Field 'prompt' is required" }
    },
    meta: { request_id: 'req-fmt', timestamp: '2024-01-01T00:00:00Z' }
  })
  conforms(t, validators.envelope, res.json(), 'envelope validation body')
})

t.test('envelope: ApiError details are shown for 4xx and hidden for 5xx', async t => {
  const a = await app(t, { format: 'envelope' })
  const shown = await a.inject('/details')
  t.equal(shown.statusCode, 409)
  t.strictSame(shown.json().error, { code: 'JOB_ALREADY_CLAIMED', message: 'Job claimed by another miner', details: { job_id: 'job-1', miner: 'm-7' } })
  const hidden = await a.inject('/internal')
  t.equal(hidden.statusCode, 500)
  t.strictSame(hidden.json().error, { code: 'PAYMENT_FAILED', message: 'Payment processing error' })
  t.notMatch(hidden.body, /secret|10\.0\.0\.3/)
  conforms(t, validators.envelope, shown.json(), 'envelope with details')
  conforms(t, validators.envelope, hidden.json(), 'envelope 5xx')
})

// ---------------------------------------------------------------------------
// openai
// ---------------------------------------------------------------------------

// OpenAI's error object (openai/openai-openapi `Error`, the SDK's `ErrorObject`): message, type,
// param, code, all present, `param` null when no field applies. Types as OpenAI answers by status
// (docs/formats.md, "The openai format").
t.test('openai: { error: { message, type, param: null, code } } with the type OpenAI answers for the status', async t => {
  const a = await app(t, { format: 'openai' })
  const cases: Array<[string, number, string, string]> = [
    ['/jobs/job-1', 404, 'invalid_request_error', 'JOB_NOT_FOUND'],
    ['/auth', 401, 'invalid_request_error', 'AUTH_INVALID_KEY'],
    ['/details', 409, 'invalid_request_error', 'JOB_ALREADY_CLAIMED'],
    ['/rate', 429, 'requests', 'RATE_LIMIT_EXCEEDED'],
    ['/internal', 500, 'server_error', 'PAYMENT_FAILED'],
    ['/upstream', 502, 'server_error', 'SYSTEM_UPSTREAM_ERROR'],
    ['/overloaded', 503, 'server_error', 'SYSTEM_OVERLOADED']
  ]
  for (const [url, status, type, code] of cases) {
    const res = await a.inject(url)
    t.equal(res.statusCode, status, url)
    const body = res.json()
    t.strictSame(Object.keys(body), ['error'], `${url} has only error`)
    t.strictSame(Object.keys(body.error), ['message', 'type', 'param', 'code'], `${url} members, in OpenAI's order`)
    t.match(body.error, { type, code, param: null }, url)
    t.match(res.body, /"param":null/, `${url} sends param: null`)
    conforms(t, validators.openai, body, `openai ${url}`)
  }
  t.equal((await a.inject('/jobs/job-1')).json().error.message, "Job doesn't exist")
  t.equal((await a.inject('/rate')).headers['retry-after'], '60')
})

t.test('openaiType: the whole 4xx/5xx class', async t => {
  for (let status = 400; status <= 599; status++) {
    const want = status >= 500 ? 'server_error' : status === 429 ? 'requests' : 'invalid_request_error'
    t.equal(openaiType(status), want, String(status))
  }
})

t.test('openai: param names the field of a validation error', async t => {
  const a = await app(t, { format: 'openai' })
  const res = await a.inject({ method: 'POST', url: '/jobs', payload: { model: 'small' } })
  t.equal(res.statusCode, 422)
  t.strictSame(res.json(), {
    error: { message: "Field 'prompt' is required", type: 'invalid_request_error', param: 'prompt', code: 'VALIDATION_MISSING_FIELD' }
  })
  t.strictSame(Object.keys(res.json().error), ['message', 'type', 'param', 'code'])
  conforms(t, validators.openai, res.json(), 'openai validation body')
})

// ---------------------------------------------------------------------------
// problem, flat
// ---------------------------------------------------------------------------

t.test('problem over the aitbc catalog', async t => {
  const a = await app(t, { format: 'problem' })
  const res = await a.inject('/jobs/job-1?verbose=1')
  t.equal(res.statusCode, 404)
  t.equal(res.headers['content-type'], 'application/problem+json')
  t.strictSame(res.json(), {
    type: 'about:blank',
    title: 'Not Found',
    status: 404,
    detail: "Job doesn't exist",
    instance: '/jobs/job-1',
    code: 'JOB_NOT_FOUND',
    request_id: 'req-fmt'
  })
  conforms(t, validators.problem, res.json(), 'problem body')

  const invalid = await a.inject({ method: 'POST', url: '/jobs', payload: { model: 'small' } })
  t.equal(invalid.statusCode, 422)
  t.match(invalid.json(), {
    code: 'VALIDATION_MISSING_FIELD',
    errors: [{ code: 'VALIDATION_MISSING_FIELD', field: 'prompt', pointer: '#/prompt', detail: "Field 'prompt' is required" }]
  })
  conforms(t, validators.problem, invalid.json(), 'problem validation body')
})

t.test('flat chosen by name is the AITBC body', async t => {
  const a = await app(t, { preset: 'problem', format: 'flat' })
  const res = await a.inject({ method: 'POST', url: '/jobs', payload: { model: 'small' } })
  t.equal(res.statusCode, 422)
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
  t.strictSame(res.json(), { detail: "Field 'prompt' is required", error_code: 'VALIDATION_FAILED', field: 'prompt', request_id: 'req-fmt' })
  conforms(t, validators.flat, res.json(), 'flat validation body')

  const b = await app(t, { format: 'flat' })
  const rate = await b.inject('/rate')
  t.strictSame(rate.json(), { detail: 'Rate limit exceeded. Retry after 60 seconds', error_code: 'RATE_LIMIT_EXCEEDED', request_id: 'req-fmt', retry_after: 60 })
  conforms(t, validators.flat, rate.json(), 'flat 429 body')
})

// ---------------------------------------------------------------------------
// custom formatters
// ---------------------------------------------------------------------------

t.test('a custom formatter function receives the ErrorRecord and its return value is the body', async t => {
  const records: ErrorRecord[] = []
  const a = await app(t, {
    format: record => {
      records.push(record)
      return { oops: record.code, when: record.timestamp }
    }
  })
  const res = await a.inject('/rate?page=2')
  t.equal(res.statusCode, 429)
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
  t.strictSame(res.json(), { oops: 'RATE_LIMIT_EXCEEDED', when: '2024-01-01T00:00:00Z' })
  t.equal(records.length, 1)
  t.strictSame(records[0], {
    status: 429,
    code: 'RATE_LIMIT_EXCEEDED',
    message: 'Rate limit exceeded. Retry after 60 seconds',
    retryable: true,
    category: 'Rate',
    retryAfter: 60,
    requestId: 'req-fmt',
    timestamp: '2024-01-01T00:00:00Z',
    instance: '/rate'
  })

  await a.inject('/details')
  t.match(records[1], { status: 409, code: 'JOB_ALREADY_CLAIMED', retryable: false, category: 'Job', details: { job_id: 'job-1' }, instance: '/details' })
  await a.inject({ method: 'POST', url: '/jobs', payload: { model: 'small' } })
  t.match(records[2], {
    status: 422,
    code: 'VALIDATION_MISSING_FIELD',
    field: 'prompt',
    violations: [{ field: 'prompt', code: 'VALIDATION_MISSING_FIELD', location: 'body', keyword: 'required' }]
  })
})

t.test('a custom { build, contentType, serialize } format is honoured', async t => {
  const a = await app(t, {
    format: {
      name: 'text',
      contentType: 'text/plain; charset=utf-8',
      build: (record: ErrorRecord) => ({ code: record.code, status: record.status }),
      serialize: body => {
        const { code, status } = body as { code: string, status: number }
        return `${status} ${code}`
      }
    }
  })
  const res = await a.inject('/jobs/job-1')
  t.equal(res.statusCode, 404)
  t.equal(res.headers['content-type'], 'text/plain; charset=utf-8')
  t.equal(res.body, '404 JOB_NOT_FOUND')
  t.equal(res.headers['x-request-id'], 'req-fmt')
})

t.test('a format object without contentType answers JSON', async t => {
  const a = await app(t, { format: { build: (record: ErrorRecord) => ({ c: record.code }) } as never })
  const res = await a.inject('/jobs/job-1')
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
  t.strictSame(res.json(), { c: 'JOB_NOT_FOUND' })
})

// ---------------------------------------------------------------------------
// validation.allErrors
// ---------------------------------------------------------------------------

t.test('by default only the first violation is shown', async t => {
  for (const format of ['flat', 'envelope', 'openai'] as const) {
    const a = await app(t, { format }, true)
    const res = await a.inject({ method: 'POST', url: '/jobs', payload: invalidJob })
    t.equal(res.statusCode, 422)
    t.notMatch(res.body, /"errors"/, `${format} has no violation list`)
  }
})

t.test('validation.allErrors lists every violation in flat, envelope and openai', async t => {
  const expected = [
    { code: 'VALIDATION_PROMPT_TOO_LONG', field: 'prompt' },
    { code: 'VALIDATION_OUT_OF_RANGE', field: 'max_tokens' },
    { code: 'VALIDATION_INVALID_MODEL', field: 'model' }
  ]
  const byField = <T extends Record<string, unknown>>(list: T[], key: string): T[] =>
    [...list].sort((x, y) => String(x[key]).localeCompare(String(y[key])))
  const sorted = byField(expected, 'field')

  const flat = await app(t, { format: 'flat', validation: { allErrors: true } }, true)
  const flatBody = (await flat.inject({ method: 'POST', url: '/jobs', payload: invalidJob })).json()
  t.equal(flatBody.errors.length, 3)
  t.match(byField(flatBody.errors, 'field'), sorted.map(e => ({ error_code: e.code, field: e.field, detail: new RegExp(`'${e.field}'`) })))
  t.equal(flatBody.error_code, flatBody.errors[0].error_code, 'the top level is the first violation')
  conforms(t, validators.flat, flatBody, 'flat with errors')

  const envelope = await app(t, { format: 'envelope', validation: { allErrors: true } }, true)
  const envelopeBody = (await envelope.inject({ method: 'POST', url: '/jobs', payload: invalidJob })).json()
  t.equal(envelopeBody.error.errors.length, 3)
  t.match(byField(envelopeBody.error.errors, 'field'), sorted.map(e => ({ code: e.code, field: e.field, message: String })))
  conforms(t, validators.envelope, envelopeBody, 'envelope with errors')

  const openai = await app(t, { format: 'openai', validation: { allErrors: true } }, true)
  const openaiBody = (await openai.inject({ method: 'POST', url: '/jobs', payload: invalidJob })).json()
  t.equal(openaiBody.error.errors.length, 3)
  t.match(byField(openaiBody.error.errors, 'param'), sorted.map(e => ({ code: e.code, param: e.field, message: String })))
  conforms(t, validators.openai, openaiBody, 'openai with errors')
})

t.test('an envelope Format object with data and violations, over HTTP', async t => {
  const a = await app(t, { format: createEnvelopeFormat({ data: true, violations: true }) }, true)
  const res = await a.inject({ method: 'POST', url: '/jobs', payload: invalidJob })
  const body = res.json()
  t.equal(res.statusCode, 422)
  t.strictSame(Object.keys(body), ['success', 'data', 'error', 'meta'])
  t.equal(body.data, null)
  t.match(body.error, { details: { field: String, issue: String }, errors: Array })
  t.equal(body.meta.timestamp, '2024-01-01T00:00:00Z')
  conforms(t, validators.envelope, body, 'envelope with every optional member')
})

// ---------------------------------------------------------------------------
// the pure builders
// ---------------------------------------------------------------------------

const record: ErrorRecord = {
  status: 422,
  code: 'VALIDATION_OUT_OF_RANGE',
  message: "Field 'max_tokens' must be >= 1",
  category: 'Validation',
  retryable: false,
  field: 'max_tokens',
  requestId: 'req-pure',
  timestamp: '2024-01-01T00:00:00Z',
  instance: '/jobs',
  violations: [
    { code: 'VALIDATION_OUT_OF_RANGE', message: "Field 'max_tokens' must be >= 1", field: 'max_tokens', location: 'body', keyword: 'minimum' },
    { code: 'VALIDATION_INVALID_FORMAT', message: "Field 'limit' must be integer", field: 'limit', location: 'querystring', keyword: 'type' },
    { code: 'VALIDATION_INVALID_TYPE', message: 'Body must be object', location: 'body', keyword: 'type' }
  ]
}
const rateRecord: ErrorRecord = {
  status: 429,
  code: 'RATE_LIMIT_EXCEEDED',
  message: 'Rate limit exceeded. Retry after 60 seconds',
  retryable: true,
  retryAfter: 60,
  details: { limit: 100 },
  requestId: 'req-pure',
  timestamp: '2024-01-01T00:00:00Z',
  instance: '/rate'
}

t.test('createFlatFormat', async t => {
  const plain = createFlatFormat()
  t.equal(plain.name, 'flat')
  t.equal(plain.contentType, 'application/json; charset=utf-8')
  t.strictSame(plain.build(record), { detail: "Field 'max_tokens' must be >= 1", error_code: 'VALIDATION_OUT_OF_RANGE', request_id: 'req-pure', field: 'max_tokens' })
  t.strictSame(plain.build(rateRecord), { detail: 'Rate limit exceeded. Retry after 60 seconds', error_code: 'RATE_LIMIT_EXCEEDED', request_id: 'req-pure', retry_after: 60 })
  const full = createFlatFormat({ violations: true }).build({ ...record, retryAfter: 5 })
  t.strictSame(full, {
    detail: "Field 'max_tokens' must be >= 1",
    error_code: 'VALIDATION_OUT_OF_RANGE',
    request_id: 'req-pure',
    field: 'max_tokens',
    retry_after: 5,
    errors: [
      { detail: "Field 'max_tokens' must be >= 1", error_code: 'VALIDATION_OUT_OF_RANGE', field: 'max_tokens' },
      { detail: "Field 'limit' must be integer", error_code: 'VALIDATION_INVALID_FORMAT', field: 'limit' },
      { detail: 'Body must be object', error_code: 'VALIDATION_INVALID_TYPE' }
    ]
  })
  conforms(t, validators.flat, full, 'flat with every optional member')
  conforms(t, validators.flat, plain.build(rateRecord), 'flat 429')
})

t.test('createEnvelopeFormat', async t => {
  const bare = createEnvelopeFormat({ data: true, timestamp: false }).build(rateRecord)
  t.strictSame(bare, {
    success: false,
    data: null,
    error: { code: 'RATE_LIMIT_EXCEEDED', message: 'Rate limit exceeded. Retry after 60 seconds', details: { limit: 100 } },
    meta: { request_id: 'req-pure' }
  })
  conforms(t, validators.envelope, bare, 'envelope without timestamp')

  const plain = createEnvelopeFormat()
  t.equal(plain.name, 'envelope')
  t.equal(plain.contentType, 'application/json; charset=utf-8')
  t.strictSame(plain.build(record), {
    success: false,
    error: { code: 'VALIDATION_OUT_OF_RANGE', message: "Field 'max_tokens' must be >= 1", details: { field: 'max_tokens', issue: "Field 'max_tokens' must be >= 1" } },
    meta: { request_id: 'req-pure', timestamp: '2024-01-01T00:00:00Z' }
  })

  const full = createEnvelopeFormat({ data: true, violations: true }).build({ ...record, details: { hint: 'see docs' } }) as Record<string, unknown>
  t.strictSame(full, {
    success: false,
    data: null,
    error: {
      code: 'VALIDATION_OUT_OF_RANGE',
      message: "Field 'max_tokens' must be >= 1",
      details: { field: 'max_tokens', hint: 'see docs' },
      errors: [
        { code: 'VALIDATION_OUT_OF_RANGE', message: "Field 'max_tokens' must be >= 1", field: 'max_tokens' },
        { code: 'VALIDATION_INVALID_FORMAT', message: "Field 'limit' must be integer", field: 'limit' },
        { code: 'VALIDATION_INVALID_TYPE', message: 'Body must be object' }
      ]
    },
    meta: { request_id: 'req-pure', timestamp: '2024-01-01T00:00:00Z' }
  })
  conforms(t, validators.envelope, full, 'envelope with every optional member')
  t.notOk(validators.envelope({ ...full, meta: { request_id: 'x', timestamp: 'yesterday' } }), 'the schema checks the timestamp format')
})

t.test('createOpenAIFormat', async t => {
  const plain = createOpenAIFormat()
  t.equal(plain.name, 'openai')
  t.strictSame(plain.build(rateRecord), { error: { message: 'Rate limit exceeded. Retry after 60 seconds', type: 'requests', param: null, code: 'RATE_LIMIT_EXCEEDED' } })
  t.strictSame((plain.build({ ...rateRecord, type: 'tokens_exceeded' }) as { error: unknown }).error, { message: 'Rate limit exceeded. Retry after 60 seconds', type: 'tokens_exceeded', param: null, code: 'RATE_LIMIT_EXCEEDED' }, 'a catalog type wins')
  t.strictSame(createOpenAIFormat({ param: 'omit' }).build(rateRecord), { error: { message: 'Rate limit exceeded. Retry after 60 seconds', type: 'requests', code: 'RATE_LIMIT_EXCEEDED' } }, "param: 'omit' leaves it out")
  const full = createOpenAIFormat({ violations: true }).build(record)
  t.strictSame(full, {
    error: {
      message: "Field 'max_tokens' must be >= 1",
      type: 'invalid_request_error',
      code: 'VALIDATION_OUT_OF_RANGE',
      param: 'max_tokens',
      errors: [
        { code: 'VALIDATION_OUT_OF_RANGE', message: "Field 'max_tokens' must be >= 1", param: 'max_tokens' },
        { code: 'VALIDATION_INVALID_FORMAT', message: "Field 'limit' must be integer", param: 'limit' },
        { code: 'VALIDATION_INVALID_TYPE', message: 'Body must be object' }
      ]
    }
  })
  conforms(t, validators.openai, full, 'openai with every optional member')
})

t.test('createProblemFormat', async t => {
  const plain = createProblemFormat()
  t.equal(plain.name, 'problem')
  t.equal(plain.contentType, 'application/problem+json')
  const full = plain.build(record)
  t.strictSame(full, {
    type: 'about:blank',
    title: 'Unprocessable Content',
    status: 422,
    detail: "Field 'max_tokens' must be >= 1",
    instance: '/jobs',
    code: 'VALIDATION_OUT_OF_RANGE',
    request_id: 'req-pure',
    errors: [
      { detail: "Field 'max_tokens' must be >= 1", code: 'VALIDATION_OUT_OF_RANGE', field: 'max_tokens', pointer: '#/max_tokens' },
      { detail: "Field 'limit' must be integer", code: 'VALIDATION_INVALID_FORMAT', field: 'limit', parameter: 'limit' },
      { detail: 'Body must be object', code: 'VALIDATION_INVALID_TYPE' }
    ]
  })
  conforms(t, validators.problem, full, 'problem with every optional member')
  const typed = createProblemFormat({ typeBase: 'https://example.com/errors/' }).build({ ...rateRecord, title: 'Slow down' }) as Record<string, unknown>
  t.match(typed, { type: 'https://example.com/errors/rate-limit-exceeded', title: 'Slow down', status: 429 })
  t.notOk('errors' in typed)
  conforms(t, validators.problem, typed, 'problem without errors')
})

t.test('the builders are pure: same record, same body, record untouched', async t => {
  const copy = structuredClone(record)
  for (const format of [createFlatFormat({ violations: true }), createEnvelopeFormat({ violations: true }), createOpenAIFormat({ violations: true }), createProblemFormat()]) {
    t.strictSame(format.build(record), format.build(record), format.name)
  }
  t.strictSame(record, copy)
})

t.test("createEnvelopeFormat({ details: 'always' }) shows details on every error, empty when there are none", async t => {
  const format = createEnvelopeFormat({ data: true, timestamp: false, details: 'always' })
  const body = format.build({ status: 404, code: 'SESSION_NOT_FOUND', message: 'Session missing', retryable: false, requestId: 'req_xxxx', timestamp: '2024-01-01T00:00:00Z', instance: '/' })
  t.same(body, { success: false, data: null, error: { code: 'SESSION_NOT_FOUND', message: 'Session missing', details: {} }, meta: { request_id: 'req_xxxx' } })
})

t.test('the exported schemas work as route response schemas, and the body stays whole', async t => {
  const cases = [
    { format: 'flat', schema: FlatErrorSchema },
    { format: 'envelope', schema: EnvelopeErrorSchema },
    { format: 'openai', schema: OpenAIErrorSchema },
    { format: 'problem', schema: ProblemDetailsSchema }
  ] as const
  for (const { format, schema } of cases) {
    const app = await build(t, { plugin: { format }, requestId: 'req-abc123' })
    app.get('/jobs/:id', { schema: { response: { 404: schema, 422: schema } } }, async () => {
      throw new ApiError('JOB_NOT_FOUND', { message: 'Job job-abc123 not found', field: 'id' })
    })
    await app.ready()
    const res = await app.inject('/jobs/job-abc123')
    t.equal(res.statusCode, 404, format)
    const body = res.json()
    t.ok(validators[format](body), `${format} body matches the schema it declared`)
    t.match(JSON.stringify(body), 'Job job-abc123 not found', `${format} message intact`)
    // The OpenAI shape has no request id member: it travels in X-Request-Id only.
    if (format !== 'openai') t.match(JSON.stringify(body), 'req-abc123', `${format} request id intact`)
    t.equal(res.headers['x-request-id'], 'req-abc123')
  }
})

t.test('the compiled serializers write exactly what JSON.stringify writes, members in the same order', async t => {
  const record: ErrorRecord = {
    status: 422,
    code: 'VALIDATION_MISSING_FIELD',
    message: 'Field "prompt" is required \u2028 ünïcødé \ud800',
    category: 'Validation',
    retryable: false,
    details: { nested: { list: [1, 'two', null, true], big: 1e21 }, empty: {} },
    field: 'prompt',
    issue: 'is required',
    retryAfter: 30,
    violations: [{ field: 'prompt', code: 'VALIDATION_MISSING_FIELD', message: 'm', location: 'body', keyword: 'required' }, { code: 'X', message: 'root' }],
    requestId: 'req-abc123',
    timestamp: '2024-01-01T00:00:00Z',
    instance: '/v1/jobs',
    type: 'invalid_request_error',
    title: 'Unprocessable Content'
  }
  const formats = [
    createFlatFormat(), createFlatFormat({ violations: true }),
    createEnvelopeFormat(), createEnvelopeFormat({ data: true, timestamp: false, details: 'always', violations: true }),
    createOpenAIFormat(), createOpenAIFormat({ violations: true }), createOpenAIFormat({ param: 'omit', violations: true }),
    createProblemFormat(), createProblemFormat({ typeBase: 'https://errors.example.com/' })
  ]
  for (const format of formats) {
    for (const r of [record, { ...record, details: undefined, field: undefined, retryAfter: undefined, violations: undefined }]) {
      const body = format.build(r)
      t.equal((format.serialize as (b: unknown) => string)(body), JSON.stringify(body), format.name)
    }
  }
})

t.test('a clock that returns no valid date falls back to real time, not to a failure', async t => {
  const app = await build(t, { plugin: { format: 'envelope', now: () => new Date('not a date') } })
  app.get('/', async () => { throw new ApiError('JOB_NOT_FOUND') })
  const res = await app.inject('/')
  t.equal(res.statusCode, 404)
  t.match(res.json().meta.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
})

t.test('a format object may leave out its name', async t => {
  const app = await build(t, { plugin: { format: { contentType: 'text/plain', build: r => `${r.code}: ${r.message}`, serialize: String } } })
  app.get('/', async () => { throw new ApiError('JOB_NOT_FOUND') })
  const res = await app.inject('/')
  t.equal(res.body, "JOB_NOT_FOUND: Job doesn't exist")
  t.match(res.headers['content-type'], /^text\/plain/)
})
