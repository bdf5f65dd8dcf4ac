import t from 'tap'
import errorEnvelope, { ApiError, type ErrorEnvelopeOptions, type ErrorRecord } from '../src/index.js'
import { resolveOptions } from '../src/options.js'
import { bareApp, build, logCapture } from './helper.js'

// "A mistake is told, not swallowed": the mistakes a newcomer makes with the plugin,
// each refused with a TypeError that says what to do, or answered correctly.

// ---------------------------------------------------------------------------
// 1. Routes registered before the plugin
// ---------------------------------------------------------------------------

t.test('routes of a plugin registered before the plugin fail ready too', async t => {
  const server = bareApp(t)
  server.register(async function routes (api) {
    api.post('/jobs', async () => ({ ok: true }))
    api.get('/jobs/:id', async () => { throw new ApiError('JOB_NOT_FOUND') })
  }, { prefix: '/v1' })
  server.register(errorEnvelope)
  await t.rejects(async () => { await server.ready() }, { name: 'TypeError', message: /routes 'POST \/v1\/jobs', 'GET \/v1\/jobs\/:id' were registered before the plugin/ })
})

t.test('inject on such an app rejects instead of answering a foreign body', async t => {
  const server = bareApp(t)
  server.get('/x', async () => { throw new ApiError('JOB_NOT_FOUND') })
  await server.register(errorEnvelope)
  await t.rejects(server.inject('/x'), { name: 'TypeError', message: /route 'GET \/x'/ })
})

t.test('routes outside the plugin\'s context, registered before it, stay allowed', async t => {
  const server = bareApp(t)
  // A sibling context with its own error bodies, registered first.
  server.register(async function legacy (v0) {
    v0.setErrorHandler((_err, _req, reply) => { reply.code(418).send({ legacy: true }) })
    v0.get('/old', async () => { throw new Error('old') })
  }, { prefix: '/v0' })
  server.get('/health', async () => ({ ok: true }))
  server.register(async function api (v1) {
    await v1.register(errorEnvelope)
    v1.get('/jobs/:id', async () => { throw new ApiError('JOB_NOT_FOUND') })
  }, { prefix: '/v1' })
  await server.ready()
  t.same((await server.inject('/v0/old')).json(), { legacy: true })
  t.same((await server.inject('/health')).json(), { ok: true })
  const job = await server.inject('/v1/jobs/1')
  t.equal(job.statusCode, 404)
  t.same(job.json(), { detail: "Job doesn't exist", error_code: 'JOB_NOT_FOUND', request_id: 'req-1' })
})

t.test('routes registered after the plugin, in any order of contexts, are fine', async t => {
  const server = bareApp(t)
  await server.register(errorEnvelope)
  server.get('/a', async () => { throw new ApiError('JOB_NOT_FOUND') })
  server.register(async child => { child.get('/b', async () => { throw new ApiError('JOB_EXPIRED') }) })
  await server.ready()
  t.equal((await server.inject('/a')).json().error_code, 'JOB_NOT_FOUND')
  t.equal((await server.inject('/b')).json().error_code, 'JOB_EXPIRED')
})

// ---------------------------------------------------------------------------
// 2. Registering the plugin twice
// ---------------------------------------------------------------------------

t.test('a second registration in a child context without its own prefix fails, naming the prefix', async t => {
  const server = bareApp(t)
  await server.register(errorEnvelope)
  server.register(async child => { await child.register(errorEnvelope, { preset: 'genai' }) })
  await t.rejects(async () => { await server.ready() }, { name: 'TypeError', message: /already answers unmatched routes under '\/'.*prefix.*notFound: false/ })

  // With notFound: false the child's error handler alone is a different configuration, which is fine.
  const allowed = bareApp(t)
  await allowed.register(errorEnvelope)
  allowed.register(async child => {
    await child.register(errorEnvelope, { preset: 'genai', notFound: false })
    child.get('/g', async () => { throw new ApiError('MODEL_NOT_FOUND') })
  })
  await allowed.ready()
  t.equal((await allowed.inject('/g')).json().error.code, 'MODEL_NOT_FOUND')
})

t.test('two registrations in separate contexts with their own prefixes stay supported', async t => {
  const server = bareApp(t)
  server.register(async v1 => {
    await v1.register(errorEnvelope, { preset: 'aitbc' })
    v1.get('/jobs/:id', async () => { throw new ApiError('JOB_NOT_FOUND') })
  }, { prefix: '/v1' })
  server.register(async v2 => {
    await v2.register(errorEnvelope, { preset: 'tokenbay' })
    v2.get('/jobs/:id', async () => { throw new ApiError('model_not_found') })
  }, { prefix: '/v2' })
  await server.ready()
  t.equal((await server.inject('/v1/jobs/1')).json().error_code, 'JOB_NOT_FOUND')
  t.equal((await server.inject('/v2/jobs/1')).json().error.code, 'model_not_found')
  t.equal((await server.inject('/v1/nowhere')).json().error_code, 'NOT_FOUND')
  t.equal((await server.inject('/v2/nowhere')).statusCode, 404)
  t.ok((await server.inject('/v2/nowhere')).json().error, 'the tokenbay 404')

  // And a root registration with a second one under a prefix.
  const nested = bareApp(t)
  await nested.register(errorEnvelope)
  nested.register(async v2 => { await v2.register(errorEnvelope, { preset: 'tokenbay' }) }, { prefix: '/v2' })
  await nested.ready()
  t.equal((await nested.inject('/nowhere')).json().error_code, 'NOT_FOUND')
  t.ok((await nested.inject('/v2/nowhere')).json().error.code)
})

// ---------------------------------------------------------------------------
// 3. Async callbacks
// ---------------------------------------------------------------------------

class PaymentDeclined extends Error {}

t.test('an async mapError is awaited: its mapping answers', async t => {
  const logs = logCapture()
  const server = bareApp(t, logs)
  await server.register(errorEnvelope, {
    mapError: async err => {
      await new Promise(resolve => setImmediate(resolve))
      return err instanceof PaymentDeclined ? new ApiError('PAYMENT_INSUFFICIENT_BALANCE', { cause: err }) : undefined
    }
  })
  server.get('/pay', async () => { throw new PaymentDeclined('declined') })
  server.get('/other', async () => { throw new ApiError('JOB_EXPIRED') })
  const pay = await server.inject('/pay')
  t.equal(pay.statusCode, 402)
  t.same(pay.json(), { detail: 'Not enough AITBC', error_code: 'PAYMENT_INSUFFICIENT_BALANCE', request_id: 'req-1' })
  const other = await server.inject('/other')
  t.equal(other.statusCode, 410, 'undefined from an async mapper leaves the error as it was')
  t.notOk(logs.lines.some(l => l.level >= 50), 'nothing logged as a failure')
})

t.test('an async mapError that rejects answers the original error and logs the rejection', async t => {
  const logs = logCapture()
  const server = bareApp(t, logs)
  await server.register(errorEnvelope, { mapError: async () => { throw new Error('mapper bug') } })
  server.get('/', async () => { throw new ApiError('JOB_EXPIRED') })
  const res = await server.inject('/')
  t.equal(res.statusCode, 410)
  t.equal(res.json().error_code, 'JOB_EXPIRED')
  t.ok(logs.lines.some(l => l.level === 50 && /mapError threw/.test(l.msg) && l.err?.message === 'mapper bug'))
})

t.test('reply.sendError with an async mapError answers too', async t => {
  const server = bareApp(t)
  await server.register(errorEnvelope, { mapError: async err => err instanceof PaymentDeclined ? new ApiError('PAYMENT_FAILED') : undefined })
  server.get('/', (_req, reply) => { reply.sendError(new PaymentDeclined('no')) })
  const res = await server.inject('/')
  t.equal(res.json().error_code, 'PAYMENT_FAILED')
})

const asyncFormats: Array<[string, ErrorEnvelopeOptions['format']]> = [
  ['an async format function', async (record: ErrorRecord) => ({ code: record.code })],
  ['an async format.build', { build: async (record: ErrorRecord) => ({ code: record.code }) } as never],
  ['an async format.serialize', { build: (record: ErrorRecord) => ({ code: record.code }), serialize: async (body: unknown) => JSON.stringify(body) } as never]
]

t.test('an async custom format fails register, naming the option', async t => {
  for (const [what, format] of asyncFormats) {
    await t.rejects(build(t, { plugin: { format } }), { name: 'TypeError', message: /option 'format(\.build|\.serialize)?' expects a synchronous function/ }, what)
  }
})

t.test('a format that returns a promise anyway is logged naming format, and answers the internal-error fallback', async t => {
  const logs = logCapture()
  const server = bareApp(t, logs)
  // Not declared async, so register cannot tell: the first use does.
  await server.register(errorEnvelope, { format: (record: ErrorRecord) => Promise.resolve({ code: record.code }) as never })
  server.get('/', async () => { throw new ApiError('JOB_EXPIRED') })
  const res = await server.inject('/')
  t.equal(res.statusCode, 500)
  t.same(res.json(), { detail: 'Unexpected server error', error_code: 'SYSTEM_INTERNAL_ERROR', request_id: 'req-1' }, 'never {}: the preset\'s internal-error body')
  t.ok(logs.lines.some(l => l.level === 50 && /format/.test(l.err?.message) && /Promise/.test(l.err?.message)), 'the log names format')
})

t.test("the log names a format by its function's name, and an anonymous one 'custom'", async t => {
  const promised = (record: ErrorRecord): never => Promise.resolve({ code: record.code }) as never
  // An arrow in an array gets no name.
  const [anonymous] = [(record: ErrorRecord): never => Promise.resolve({ code: record.code }) as never]
  for (const [format, name] of [[promised, 'promised'], [anonymous, 'custom']] as const) {
    const logs = logCapture()
    const server = bareApp(t, logs)
    await server.register(errorEnvelope, { format })
    server.get('/', async () => { throw new ApiError('JOB_EXPIRED') })
    t.equal((await server.inject('/')).statusCode, 500)
    t.ok(logs.lines.some(l => l.level === 50 && String(l.err?.message).includes(`option 'format' ('${name}') returned a Promise`)), name)
  }
})

// ---------------------------------------------------------------------------
// 4. Unknown nested keys
// ---------------------------------------------------------------------------

const typos: Array<[string, Record<string, unknown>, RegExp]> = [
  ['a top-level typo', { presett: 'genai' }, /unknown option 'presett', did you mean 'preset'\?/],
  ['a top-level name nothing is close to', { colour: 'red' }, /unknown option 'colour'$/],
  ['validation.allerrors', { validation: { allerrors: true } }, /unknown option 'validation\.allerrors', did you mean 'allErrors'\?/],
  ['validation.fieldRule', { validation: { fieldRule: {} } }, /unknown option 'validation\.fieldRule', did you mean 'fieldRules'\?/],
  ['a fieldRules keyword no validator reports', { validation: { fieldRules: { prompt: { maxLenght: 'VALIDATION_PROMPT_TOO_LONG' } } } }, /unknown option 'validation\.fieldRules\.prompt\.maxLenght', did you mean 'maxLength'\?/],
  ['a Zod issue code as a fieldRules keyword', { validation: { fieldRules: { prompt: { too_big: 'VALIDATION_PROMPT_TOO_LONG' } } } }, /unknown option 'validation\.fieldRules\.prompt\.too_big'.*keyword/],
  ['format.contentTyp', { format: { build: () => ({}), contentTyp: 'text/plain' } }, /unknown option 'format\.contentTyp', did you mean 'contentType'\?/],
  ['format.serialise', { format: { build: () => ({}), serialise: JSON.stringify } }, /unknown option 'format\.serialise', did you mean 'serialize'\?/],
  ['docs.docURL', { docs: { docURL: true } }, /unknown option 'docs\.docURL', did you mean 'docUrl'\?/]
]

t.test('an unknown key at any level fails register, with the close known key', async t => {
  for (const [what, options, message] of typos) {
    await t.rejects(build(t, { plugin: options as ErrorEnvelopeOptions }), { name: 'TypeError', message }, what)
    t.throws(() => resolveOptions(options), { name: 'TypeError', message }, `${what}, called directly`)
  }
})

t.test('every keyword a validator reports, and *, is accepted in fieldRules', async t => {
  const keywords = ['required', 'type', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minLength', 'maxLength',
    'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties', 'format', 'pattern', 'enum', 'const', 'additionalProperties', '*']
  const rules = Object.fromEntries(keywords.map(k => [k, 'VALIDATION_INVALID_FORMAT']))
  t.doesNotThrow(() => resolveOptions({ validation: { fieldRules: { prompt: rules } } }))
  t.doesNotThrow(() => resolveOptions({ format: { name: 'mine', build: () => ({}), contentType: 'application/json', serialize: JSON.stringify } }))
})

t.test('many routes before the plugin: the first three are named, with the count of the rest', async t => {
  const server = bareApp(t)
  for (const path of ['/a', '/b', '/c', '/d', '/e']) server.get(path, async () => 'ok')
  server.register(errorEnvelope)
  await t.rejects(async () => { await server.ready() }, { name: 'TypeError', message: /routes 'GET \/a', 'GET \/b', 'GET \/c' and 2 more were registered before/ })
})

t.test('routes of every shape are named as they were declared', async t => {
  const server = bareApp(t)
  server.register(async function routes (api) {
    api.get('/files/:id(^\\d+$)', async () => 'file')
    api.get('/files/:id/versions/:v', async () => 'version')
    api.put('/files/x', { constraints: { version: '1.0.0' } }, async () => 'put')
  })
  server.register(errorEnvelope)
  const failure = await server.ready().then(() => undefined, (err: Error) => err)
  t.type(failure, TypeError)
  for (const route of ["'GET /files/:id(^\\d+$)'", "'GET /files/:id/versions/:v'", "'PUT /files/x'"]) {
    t.ok(failure?.message.includes(route), route)
  }
  t.match(failure?.message, /were registered before the plugin/)
})

t.test('a second registration under the same non-root prefix names that prefix', async t => {
  const server = bareApp(t)
  server.register(async v1 => {
    await v1.register(errorEnvelope)
    v1.register(async inner => { await inner.register(errorEnvelope, { preset: 'genai' }) })
  }, { prefix: '/v1' })
  await t.rejects(async () => { await server.ready() }, { name: 'TypeError', message: /unmatched routes under '\/v1'/ })
})
