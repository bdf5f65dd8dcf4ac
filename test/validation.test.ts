import t from 'tap'
import type { FastifyInstance, FastifySchema, FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify'
import { Type, TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox'
import { z, type ZodTypeAny } from 'zod'
import { defineErrors } from '../src/index.js'
import { build, type BuildOptions, type Teardown } from './helper.js'

/** An AITBC-style job submission: one property per Ajv keyword the plugin maps. */
const jobBody = {
  type: 'object',
  required: ['prompt'],
  properties: {
    prompt: { type: 'string', minLength: 1, maxLength: 20 },
    model: { type: 'string', enum: ['llama-3', 'mistral-7b'] },
    max_tokens: { type: 'integer', minimum: 1, maximum: 4096 },
    temperature: { type: 'number', exclusiveMaximum: 2 },
    tags: { type: 'array', maxItems: 2, items: { type: 'string' } },
    callback_url: { type: 'string', format: 'uri' },
    email: { type: 'string', format: 'email' },
    job_id: { type: 'string', pattern: '^job-[a-z0-9]+$' },
    priority: { type: 'string', enum: ['low', 'high'] },
    options: { type: 'object', properties: { seed: { type: 'integer' } } },
    items: {
      type: 'array',
      items: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 2 } } }
    }
  }
} as const

async function jobsApp (t: Teardown, opts: BuildOptions = {}): Promise<FastifyInstance> {
  const app = await build(t, opts)
  app.post('/jobs', { schema: { body: jobBody } }, async () => ({ ok: true }))
  return app
}

async function submit (app: FastifyInstance, payload: unknown) {
  const res = await app.inject({ method: 'POST', url: '/jobs', payload: payload as Record<string, unknown> })
  return { status: res.statusCode, body: res.json(), res }
}

t.test('a missing required field is VALIDATION_MISSING_FIELD, as seed 001 shows it', async t => {
  const app = await jobsApp(t, { requestId: 'req-abc123' })
  const { status, body, res } = await submit(app, { model: 'llama-3' })
  t.equal(status, 422)
  t.match(res.headers['content-type'], /^application\/json/)
  t.same(body, {
    detail: "Field 'prompt' is required",
    error_code: 'VALIDATION_MISSING_FIELD',
    request_id: 'req-abc123',
    field: 'prompt'
  })
})

t.test('each Ajv keyword maps to its aitbc code, with the field name', async t => {
  const app = await jobsApp(t)
  const cases: Array<[string, Record<string, unknown>, string, string]> = [
    ['type', { prompt: 'hi', max_tokens: 'lots' }, 'VALIDATION_INVALID_TYPE', 'max_tokens'],
    ['type of an object', { prompt: 'hi', options: 'fast' }, 'VALIDATION_INVALID_TYPE', 'options'],
    ['minimum', { prompt: 'hi', max_tokens: 0 }, 'VALIDATION_OUT_OF_RANGE', 'max_tokens'],
    ['maximum', { prompt: 'hi', max_tokens: 5000 }, 'VALIDATION_OUT_OF_RANGE', 'max_tokens'],
    ['exclusiveMaximum', { prompt: 'hi', temperature: 2 }, 'VALIDATION_OUT_OF_RANGE', 'temperature'],
    ['minLength', { prompt: '' }, 'VALIDATION_OUT_OF_RANGE', 'prompt'],
    ['maxItems', { prompt: 'hi', tags: ['a', 'b', 'c'] }, 'VALIDATION_OUT_OF_RANGE', 'tags'],
    ['format uri', { prompt: 'hi', callback_url: 'not a url' }, 'VALIDATION_INVALID_FORMAT', 'callback_url'],
    ['format email', { prompt: 'hi', email: 'nobody' }, 'VALIDATION_INVALID_FORMAT', 'email'],
    ['pattern', { prompt: 'hi', job_id: 'JOB 1' }, 'VALIDATION_INVALID_FORMAT', 'job_id'],
    ['enum', { prompt: 'hi', priority: 'urgent' }, 'VALIDATION_OUT_OF_RANGE', 'priority']
  ]
  for (const [keyword, payload, code, field] of cases) {
    const { status, body } = await submit(app, payload)
    t.equal(status, 422, `${keyword}: status`)
    t.equal(body.error_code, code, `${keyword}: error_code`)
    t.equal(body.field, field, `${keyword}: field`)
    t.match(body.detail, new RegExp(`^Field '${field}' `), `${keyword}: detail names the field`)
  }
})

t.test('the detail keeps what the validator said is wrong', async t => {
  const app = await jobsApp(t)
  const { body } = await submit(app, { prompt: 'hi', max_tokens: 5000 })
  t.equal(body.detail, "Field 'max_tokens' must be <= 4096")
})

t.test('a keyword the table does not name (additionalProperties) is VALIDATION_INVALID_FORMAT', async t => {
  const app = await build(t, { server: { ajv: { customOptions: { removeAdditional: false } } } })
  app.post('/strict', {
    schema: { body: { type: 'object', additionalProperties: false, properties: { prompt: { type: 'string' } } } }
  }, async () => ({ ok: true }))
  const res = await app.inject({ method: 'POST', url: '/strict', payload: { prompt: 'hi', extra: 1 } })
  t.equal(res.statusCode, 422)
  t.equal(res.json().error_code, 'VALIDATION_INVALID_FORMAT')
  t.equal(res.json().field, 'extra', 'the offending field is the property that is not allowed')
})

t.test('field rules: prompt too long and an unsupported model have their own codes', async t => {
  const app = await jobsApp(t, { requestId: 'req-abc123' })
  const long = await submit(app, { prompt: 'x'.repeat(21) })
  t.equal(long.status, 422)
  t.same(long.body, {
    detail: "Field 'prompt' must NOT have more than 20 characters",
    error_code: 'VALIDATION_PROMPT_TOO_LONG',
    request_id: 'req-abc123',
    field: 'prompt'
  })
  const model = await submit(app, { prompt: 'hi', model: 'gpt-9' })
  t.equal(model.status, 422)
  t.equal(model.body.error_code, 'VALIDATION_INVALID_MODEL')
  t.equal(model.body.field, 'model')
  // The rules are per keyword: other failures of the same fields keep the generic code.
  const short = await submit(app, { prompt: '' })
  t.equal(short.body.error_code, 'VALIDATION_OUT_OF_RANGE')
  const modelType = await submit(app, { prompt: 'hi', model: {} })
  t.equal(modelType.body.error_code, 'VALIDATION_INVALID_TYPE')
})

t.test('user field rules: per keyword, the * wildcard, and nested fields by their last segment', async t => {
  const errors = defineErrors({
    VALIDATION_BAD_JOB_ID: { status: 422, message: 'Job id is malformed', category: 'Validation' },
    VALIDATION_BAD_NAME: { status: 422, message: 'Item name is not acceptable', category: 'Validation' }
  })
  const app = await jobsApp(t, {
    plugin: {
      errors,
      validation: {
        fieldRules: {
          job_id: { pattern: 'VALIDATION_BAD_JOB_ID' },
          name: { '*': 'VALIDATION_BAD_NAME' }
        }
      }
    }
  })
  const pattern = await submit(app, { prompt: 'hi', job_id: 'JOB 1' })
  t.equal(pattern.status, 422)
  t.equal(pattern.body.error_code, 'VALIDATION_BAD_JOB_ID')
  t.equal(pattern.body.field, 'job_id')

  const jobIdType = await submit(app, { prompt: 'hi', job_id: {} })
  t.equal(jobIdType.body.error_code, 'VALIDATION_INVALID_TYPE', 'a keyword-specific rule leaves other keywords alone')

  const short = await submit(app, { prompt: 'hi', items: [{ name: 'x' }] })
  t.equal(short.status, 422)
  t.equal(short.body.error_code, 'VALIDATION_BAD_NAME')
  t.equal(short.body.field, 'items.0.name')

  const missing = await submit(app, { prompt: 'hi', items: [{ name: 'ok' }, {}] })
  t.equal(missing.body.error_code, 'VALIDATION_MISSING_FIELD', 'the wildcard is for bad values: an absent field keeps the missing-field code')
  t.equal(missing.body.field, 'items.1.name')

  const long = await submit(app, { prompt: 'x'.repeat(21) })
  t.equal(long.body.error_code, 'VALIDATION_PROMPT_TOO_LONG', "the preset's rules stay when the user adds some")
})

t.test('nested fields are named with dots', async t => {
  const app = await jobsApp(t)
  const seed = await submit(app, { prompt: 'hi', options: { seed: 'abc' } })
  t.equal(seed.body.error_code, 'VALIDATION_INVALID_TYPE')
  t.equal(seed.body.field, 'options.seed')
  t.equal(seed.body.detail, "Field 'options.seed' must be integer")

  const missing = await submit(app, { prompt: 'hi', items: [{}] })
  t.equal(missing.body.error_code, 'VALIDATION_MISSING_FIELD')
  t.equal(missing.body.field, 'items.0.name')
  t.equal(missing.body.detail, "Field 'items.0.name' is required")
})

t.test('a body that is not an object at all has no field', async t => {
  const app = await jobsApp(t, { requestId: 'req-abc123' })
  const res = await app.inject({ method: 'POST', url: '/jobs', headers: { 'content-type': 'application/json' }, payload: '"hello"' })
  t.equal(res.statusCode, 422)
  t.same(res.json(), {
    detail: 'Body must be object',
    error_code: 'VALIDATION_INVALID_TYPE',
    request_id: 'req-abc123'
  })
})

t.test('querystring, params and headers name the field or header, not an Ajv path', async t => {
  const app = await build(t)
  app.get('/jobs', {
    schema: {
      querystring: {
        type: 'object',
        required: ['status'],
        properties: { status: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: 100 } }
      }
    }
  }, async () => [])
  app.get('/jobs/:job_id', {
    schema: { params: { type: 'object', properties: { job_id: { type: 'string', pattern: '^job-[a-z0-9]+$' } } } }
  }, async () => ({}))
  app.get('/models', {
    schema: {
      headers: {
        type: 'object',
        required: ['x-api-version'],
        properties: { 'x-api-version': { type: 'integer', minimum: 1 } }
      }
    }
  }, async () => [])

  const cases: Array<[string, Record<string, string>, string, string]> = [
    ['/jobs?status=queued&limit=500', {}, 'VALIDATION_OUT_OF_RANGE', 'limit'],
    ['/jobs?status=queued&limit=many', {}, 'VALIDATION_INVALID_TYPE', 'limit'],
    ['/jobs?limit=5', {}, 'VALIDATION_MISSING_FIELD', 'status'],
    ['/jobs/JOB%201', {}, 'VALIDATION_INVALID_FORMAT', 'job_id'],
    ['/models', {}, 'VALIDATION_MISSING_FIELD', 'x-api-version'],
    ['/models', { 'x-api-version': 'two' }, 'VALIDATION_INVALID_TYPE', 'x-api-version'],
    ['/models', { 'x-api-version': '0' }, 'VALIDATION_OUT_OF_RANGE', 'x-api-version']
  ]
  for (const [url, headers, code, field] of cases) {
    const res = await app.inject({ url, headers })
    t.equal(res.statusCode, 422, `${url}: status`)
    t.equal(res.json().error_code, code, `${url}: error_code`)
    t.equal(res.json().field, field, `${url}: field`)
  }
  const missing = await app.inject('/jobs')
  t.equal(missing.json().detail, "Field 'status' is required")
})

t.test('with several violations, the default body still holds exactly the documented members', async t => {
  const app = await jobsApp(t, { requestId: 'req-abc123', server: { ajv: { customOptions: { allErrors: true } } } })
  const { status, body } = await submit(app, { max_tokens: 0, email: 'nobody' })
  t.equal(status, 422)
  t.same(body, {
    detail: "Field 'prompt' is required",
    error_code: 'VALIDATION_MISSING_FIELD',
    request_id: 'req-abc123',
    field: 'prompt'
  })
})

t.test('validation.allErrors lists every violation in the flat body', async t => {
  const app = await jobsApp(t, {
    requestId: 'req-abc123',
    server: { ajv: { customOptions: { allErrors: true } } },
    plugin: { validation: { allErrors: true } }
  })
  const { status, body } = await submit(app, { max_tokens: 0, email: 'nobody', model: 'gpt-9' })
  t.equal(status, 422)
  t.equal(body.error_code, 'VALIDATION_MISSING_FIELD')
  t.equal(body.field, 'prompt')
  t.equal(body.request_id, 'req-abc123')
  t.same(body.errors.map((e: { field: string }) => e.field).sort(), ['email', 'max_tokens', 'model', 'prompt'])
  const byField = Object.fromEntries(body.errors.map((e: { field: string }) => [e.field, e]))
  t.same(byField.prompt, { detail: "Field 'prompt' is required", error_code: 'VALIDATION_MISSING_FIELD', field: 'prompt' })
  t.same(byField.max_tokens, { detail: "Field 'max_tokens' must be >= 1", error_code: 'VALIDATION_OUT_OF_RANGE', field: 'max_tokens' })
  t.same(byField.email, { detail: 'Field \'email\' must match format "email"', error_code: 'VALIDATION_INVALID_FORMAT', field: 'email' })
  t.same(byField.model, { detail: "Field 'model' must be one of 'llama-3', 'mistral-7b'", error_code: 'VALIDATION_INVALID_MODEL', field: 'model' })
})

t.test('the problem preset always lists every violation, with JSON pointers', async t => {
  const app = await build(t, {
    requestId: 'req-abc123',
    server: { ajv: { customOptions: { allErrors: true } } },
    plugin: { preset: 'problem' }
  })
  app.post('/jobs', { schema: { body: jobBody } }, async () => ({ ok: true }))
  app.get('/jobs', {
    schema: { querystring: { type: 'object', properties: { limit: { type: 'integer', maximum: 100 } } } }
  }, async () => [])

  const res = await app.inject({ method: 'POST', url: '/jobs', payload: { max_tokens: 0, options: { seed: 'x' } } })
  t.equal(res.statusCode, 422)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  const body = res.json()
  t.equal(body.code, 'VALIDATION_FAILED')
  t.equal(body.status, 422)
  t.equal(body.instance, '/jobs')
  t.equal(body.request_id, 'req-abc123')
  const byField = Object.fromEntries(body.errors.map((e: { field: string }) => [e.field, e]))
  t.same(Object.keys(byField).sort(), ['max_tokens', 'options.seed', 'prompt'])
  t.same(byField.prompt, { detail: "Field 'prompt' is required", code: 'VALIDATION_FAILED', field: 'prompt', pointer: '#/prompt' })
  t.equal(byField['options.seed'].pointer, '#/options/seed')
  t.equal(byField.max_tokens.pointer, '#/max_tokens')

  const query = await app.inject('/jobs?limit=500')
  t.equal(query.statusCode, 422)
  t.same(query.json().errors, [{
    detail: "Field 'limit' must be <= 100",
    code: 'VALIDATION_FAILED',
    field: 'limit',
    parameter: 'limit'
  }], 'RFC 9457 §3: a query parameter is named by parameter, not pointed into')
})

// Validators other than Ajv.

/** A route validated by a compiler of our own, that returns `result` for any input. */
async function customValidatorApp (t: Teardown, result: unknown): Promise<FastifyInstance> {
  const app = await build(t)
  const validatorCompiler: FastifySchemaCompiler<FastifySchema> = () => () => result as { error: FastifySchemaValidationError[] }
  app.post('/custom', { schema: { body: { type: 'object' } }, validatorCompiler }, async () => ({ ok: true }))
  return app
}

t.test('a custom validator error without keyword or params is mapped by path and message', async t => {
  const app = await customValidatorApp(t, { error: [{ message: 'Expected string', instancePath: '/prompt' }] })
  const res = await app.inject({ method: 'POST', url: '/custom', payload: { prompt: 1 } })
  t.equal(res.statusCode, 422)
  const body = res.json()
  t.equal(body.error_code, 'VALIDATION_INVALID_FORMAT')
  t.equal(body.field, 'prompt')
  t.match(body.detail, /Expected string/)
  t.equal(body.request_id, res.headers['x-request-id'])
})

t.test('a validator that fails with no reasons, or with junk, still gets a 422 envelope', async t => {
  const results: Array<[string, unknown]> = [
    ['empty list', { error: [] }],
    ['numbers and strings', { error: [1, 'junk', 2] }],
    ['items without message or path', { error: [{}, { instancePath: 42, message: {} }] }]
  ]
  for (const [name, result] of results) {
    const app = await customValidatorApp(t, result)
    const res = await app.inject({ method: 'POST', url: '/custom', payload: { prompt: 'hi' } })
    t.equal(res.statusCode, 422, `${name}: status`)
    const body = res.json()
    t.match(body.error_code, /^VALIDATION_/, `${name}: error_code`)
    t.type(body.detail, 'string', `${name}: detail`)
    t.equal(body.request_id, res.headers['x-request-id'], `${name}: request id`)
    t.notOk(Object.hasOwn(body, 'field'), `${name}: no field to name`)
  }
})

t.test('a validation error thrown without a location or a path names the request and keeps its reason', async t => {
  // A handler may rethrow a validator's error itself: Fastify sets no validationContext then.
  const app = await build(t)
  app.post('/rethrown', async () => {
    throw Object.assign(new Error('invalid'), { statusCode: 400, validation: [{ message: 'must hold a prompt or a file' }] })
  })
  const res = await app.inject({ method: 'POST', url: '/rethrown', payload: {} })
  t.equal(res.statusCode, 422)
  const body = res.json()
  t.equal(body.detail, 'Request must hold a prompt or a file')
  t.notOk(Object.hasOwn(body, 'field'))
})

t.test('a validator that rejects with an Error instead of a list says which part is invalid, in its own words', async t => {
  // Fastify hands such an Error on as it is, with only the part it validated (validationContext) set.
  const app = await customValidatorApp(t, { error: new Error('prompt must be a haiku') })
  const res = await app.inject({ method: 'POST', url: '/custom', payload: { prompt: 'hi' } })
  t.equal(res.statusCode, 422)
  const body = res.json()
  t.equal(body.error_code, 'VALIDATION_INVALID_FORMAT')
  t.equal(body.detail, 'Body: prompt must be a haiku')
  t.notOk(Object.hasOwn(body, 'field'))
  const silent = await customValidatorApp(t, { error: new Error('') })
  t.equal((await silent.inject({ method: 'POST', url: '/custom', payload: { prompt: 'hi' } })).json().detail, 'Body is invalid', 'no words: the part alone')
})

t.test('a validation error thrown with neither reasons nor a location says the request is invalid', async t => {
  const app = await build(t)
  app.post('/rethrown', async () => {
    throw Object.assign(new Error('invalid'), { statusCode: 400, validation: [] })
  })
  const res = await app.inject({ method: 'POST', url: '/rethrown', payload: {} })
  t.equal(res.statusCode, 422)
  const body = res.json()
  t.equal(body.error_code, 'VALIDATION_INVALID_FORMAT')
  t.equal(body.detail, 'Request is invalid')
  t.notOk(Object.hasOwn(body, 'field'))
})

t.test('TypeBox compiler errors are mapped like Ajv ones', async t => {
  const app = await build(t, { requestId: 'req-abc123' })
  app.setValidatorCompiler(TypeBoxValidatorCompiler)
  app.post('/tb', {
    schema: {
      body: Type.Object({
        prompt: Type.String({ maxLength: 20 }),
        max_tokens: Type.Optional(Type.Integer({ minimum: 1 }))
      })
    }
  }, async () => ({ ok: true }))

  const missing = await app.inject({ method: 'POST', url: '/tb', payload: { max_tokens: 5 } })
  t.equal(missing.statusCode, 422)
  t.same(missing.json(), {
    detail: "Field 'prompt' is required",
    error_code: 'VALIDATION_MISSING_FIELD',
    request_id: 'req-abc123',
    field: 'prompt'
  })

  const type = await app.inject({ method: 'POST', url: '/tb', payload: { prompt: 'hi', max_tokens: 'many' } })
  t.equal(type.statusCode, 422)
  t.equal(type.json().error_code, 'VALIDATION_INVALID_TYPE')
  t.equal(type.json().field, 'max_tokens')

  const long = await app.inject({ method: 'POST', url: '/tb', payload: { prompt: 'x'.repeat(21) } })
  t.equal(long.json().error_code, 'VALIDATION_PROMPT_TOO_LONG')
  t.equal(long.json().field, 'prompt')
})

const zodJob = z.object({
  prompt: z.string().max(20),
  model: z.enum(['llama-3', 'mistral-7b']).optional(),
  options: z.object({ seed: z.number().int() }).optional()
})

/** Zod as a type provider would wire it: the ZodError itself, or its issues. */
function zodCompiler (asIssues: boolean): FastifySchemaCompiler<ZodTypeAny> {
  return ({ schema }) => (data: unknown) => {
    const result = schema.safeParse(data)
    if (result.success) return { value: result.data }
    return asIssues
      ? { error: result.error.issues as unknown as FastifySchemaValidationError[] }
      : { error: result.error }
  }
}

for (const asIssues of [false, true]) {
  t.test(`Zod errors (${asIssues ? 'issues array' : 'ZodError'}) are mapped by path and issue code`, async t => {
    const app = await build(t, { requestId: 'req-abc123' })
    app.post('/zod', {
      schema: { body: zodJob as unknown as FastifySchema['body'] },
      validatorCompiler: zodCompiler(asIssues) as unknown as FastifySchemaCompiler<FastifySchema>
    }, async () => ({ ok: true }))

    const missing = await app.inject({ method: 'POST', url: '/zod', payload: { model: 'llama-3' } })
    t.equal(missing.statusCode, 422)
    t.same(missing.json(), {
      detail: "Field 'prompt' is required",
      error_code: 'VALIDATION_MISSING_FIELD',
      request_id: 'req-abc123',
      field: 'prompt'
    })

    const type = await app.inject({ method: 'POST', url: '/zod', payload: { prompt: 42 } })
    t.equal(type.statusCode, 422)
    t.equal(type.json().error_code, 'VALIDATION_INVALID_TYPE')
    t.equal(type.json().field, 'prompt')
    t.match(type.json().detail, /^Field 'prompt'/)

    const nested = await app.inject({ method: 'POST', url: '/zod', payload: { prompt: 'hi', options: { seed: 'x' } } })
    t.equal(nested.json().error_code, 'VALIDATION_INVALID_TYPE')
    t.equal(nested.json().field, 'options.seed')

    const ok = await app.inject({ method: 'POST', url: '/zod', payload: { prompt: 'hi' } })
    t.equal(ok.statusCode, 200)
  })
}

t.test('Zod: the field rules apply too (prompt too long, unsupported model)', async t => {
  const app = await build(t)
  app.post('/zod', {
    schema: { body: zodJob as unknown as FastifySchema['body'] },
    validatorCompiler: zodCompiler(false) as unknown as FastifySchemaCompiler<FastifySchema>
  }, async () => ({ ok: true }))
  const long = await app.inject({ method: 'POST', url: '/zod', payload: { prompt: 'x'.repeat(21) } })
  t.equal(long.statusCode, 422)
  t.equal(long.json().error_code, 'VALIDATION_PROMPT_TOO_LONG')
  t.equal(long.json().field, 'prompt')
  const model = await app.inject({ method: 'POST', url: '/zod', payload: { prompt: 'hi', model: 'gpt-9' } })
  t.equal(model.statusCode, 422)
  t.equal(model.json().error_code, 'VALIDATION_INVALID_MODEL')
  t.equal(model.json().field, 'model')
})

t.test('odd shapes from other validators: array paths with junk segments, params without names, Zod size kinds, no message', async t => {
  const X = 'VALIDATION_PROMPT_TOO_LONG'
  const app = await build(t, {
    plugin: {
      validation: {
        allErrors: true,
        // A rule per keyword proves which Ajv keyword each Zod issue was read as.
        fieldRules: { s: { maxLength: X }, arr: { maxItems: X }, n: { maximum: X }, s2: { minLength: X }, arr2: { minItems: X }, n2: { minimum: X }, lit: { const: X } }
      }
    }
  })
  const items = [
    { path: ['a', {}, 1], message: 'Bad' },
    { keyword: 'required', instancePath: '/req', params: {} },
    { keyword: 'additionalProperties', instancePath: '/extra', params: {}, message: 'must NOT have additional properties' },
    { keyword: 'type', instancePath: '/t', params: {} },
    { code: 'too_big', type: 'string', path: ['s'], message: 'Too long' },
    { code: 'too_big', type: 'array', path: ['arr'], message: 'Too many' },
    { code: 'too_big', type: 'number', path: ['n'], message: 'Too big' },
    { code: 'too_small', type: 'string', path: ['s2'], message: 'Too short' },
    { code: 'too_small', origin: 'array', path: ['arr2'], message: 'Too few' },
    { code: 'too_small', type: 'number', path: ['n2'], message: 'Too small' },
    { code: 'invalid_literal', path: ['lit'], message: 'Wrong literal' }
  ]
  const validatorCompiler: FastifySchemaCompiler<FastifySchema> = () => () => ({ error: items as unknown as FastifySchemaValidationError[] })
  app.post('/odd', { schema: { body: { type: 'object' } }, validatorCompiler }, async () => ({ ok: true }))
  const res = await app.inject({ method: 'POST', url: '/odd', payload: {} })
  t.equal(res.statusCode, 422)
  t.strictSame(res.json().errors, [
    { detail: "Field 'a.1': Bad", error_code: 'VALIDATION_INVALID_FORMAT', field: 'a.1' },
    { detail: "Field 'req' is required", error_code: 'VALIDATION_MISSING_FIELD', field: 'req' },
    { detail: "Field 'extra' must NOT have additional properties", error_code: 'VALIDATION_INVALID_FORMAT', field: 'extra' },
    { detail: "Field 't' is invalid", error_code: 'VALIDATION_INVALID_TYPE', field: 't' },
    { detail: "Field 's': Too long", error_code: X, field: 's' },
    { detail: "Field 'arr': Too many", error_code: X, field: 'arr' },
    { detail: "Field 'n': Too big", error_code: X, field: 'n' },
    { detail: "Field 's2': Too short", error_code: X, field: 's2' },
    { detail: "Field 'arr2': Too few", error_code: X, field: 'arr2' },
    { detail: "Field 'n2': Too small", error_code: X, field: 'n2' },
    { detail: "Field 'lit': Wrong literal", error_code: X, field: 'lit' }
  ])
})
