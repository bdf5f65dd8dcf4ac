import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import createHttpError from 'http-errors'
import type { LightMyRequestResponse } from 'fastify'
import { ApiError, presets, type ApiErrorOptions } from '../../src/index.js'
import { build } from '../helper.js'

// ---------------------------------------------------------------------------
// Seed 004 (TokenBay Gateway "Errors"), parsed at test time.
// ---------------------------------------------------------------------------

const seedDir = fileURLToPath(new URL('../fixtures/seeds/', import.meta.url))
if (!existsSync(seedDir)) {
  throw new Error(`seed folder ${seedDir} is missing: these tests check the tokenbay preset against its seed 004_*.txt`)
}
const seedName = readdirSync(seedDir).find(name => name.startsWith('004_'))
if (seedName === undefined) throw new Error(`no 004_*.txt seed in ${seedDir}`)

const lines = readFileSync(seedDir + seedName, 'utf8').split('\n').filter(line => line.trim() !== '|')
const cells = (line: string): string[] => line.trim().split('|').slice(1, -1).map(c => c.trim().replace(/^`(.*)`$/, '$1'))

interface Table { header: string[], rows: string[][] }

/** The first Markdown table after the line that is exactly `heading`. */
function tableAfter (heading: string): Table {
  const start = lines.findIndex(line => line.trim() === heading)
  if (start === -1) throw new Error(`${seedName} has no "${heading}" section`)
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i] as string
    if (line.startsWith('| ') && (lines[i + 1] ?? '').startsWith('|--')) {
      const rows: string[][] = []
      for (let j = i + 2; j < lines.length && (lines[j] as string).startsWith('| '); j++) rows.push(cells(lines[j] as string))
      return { header: cells(line), rows }
    }
  }
  throw new Error(`no table after "${heading}" in ${seedName}`)
}

const businessTable = tableAfter('Business Error Codes')
const conventionsTable = tableAfter('HTTP Status Code Conventions')

interface SeedCode { code: string, status: number, meaning: string }
const seedCodes: SeedCode[] = businessTable.rows.map(([status, code, meaning]) => ({
  code: code as string, status: Number(status), meaning: meaning as string
}))
const conventions = new Map(conventionsTable.rows.map(([status, meaning, scenario]) => [
  Number(status), { meaning: meaning as string, scenario: scenario as string }
]))

/** The Meaning column of the conventions table for a status. */
function meaningOf (status: number): string {
  const row = conventions.get(status)
  if (row === undefined) throw new Error(`seed 004's conventions table has no ${status} row`)
  return row.meaning
}

type Factory = (opts?: ApiErrorOptions) => ApiError
const factories = presets.tokenbay.errors as unknown as Record<string, Factory>
const catalog = presets.tokenbay.catalog as Record<string, { status: number, message: string, category?: string, retryable?: boolean }>

// The issue: the SDK must not retry an exhausted quota or a refusal, only a rate limit.
const retryableCodes = ['account_rate_limited']

interface OpenAIBody { error: { message: string, type: string, code: string, param?: string } }

/** The members of an OpenAI-compatible error body; anything else is a failure. */
function assertOpenAIShape (t: Test, body: unknown, withParam = false): asserts body is OpenAIBody {
  t.strictSame(Object.keys(body as object), ['error'], 'the body holds only `error`')
  const error = (body as OpenAIBody).error
  t.strictSame(Object.keys(error).sort(), withParam ? ['code', 'message', 'param', 'type'] : ['code', 'message', 'type'], 'error members')
  t.type(error.message, 'string')
  t.type(error.type, 'string')
  t.type(error.code, 'string')
}

t.test('the seed parsed into its two tables', async t => {
  t.strictSame(businessTable.header, ['Status', 'Code', 'Meaning'])
  t.strictSame(conventionsTable.header, ['Status', 'Meaning', 'Typical Scenario'])
  t.equal(seedCodes.length, 14, 'fourteen business codes')
  t.equal(conventions.size, 12, 'twelve HTTP status conventions')
})

// ---------------------------------------------------------------------------
// (a) the code table
// ---------------------------------------------------------------------------

t.test('presets.tokenbay.codes is the Business Error Codes table', async t => {
  t.strictSame(presets.tokenbay.codes.map(row => row.code).sort(), seedCodes.map(c => c.code).sort(),
    'exactly the codes the document lists')
  const byCode = new Map(presets.tokenbay.codes.map(row => [row.code, row]))
  for (const seed of seedCodes) {
    const row = byCode.get(seed.code)
    if (row === undefined) {
      t.fail(`${seed.code} is missing from presets.tokenbay.codes`)
      continue
    }
    t.equal(row.status, seed.status, `${seed.code} status`)
    t.equal(row.message, seed.meaning, `${seed.code} message is its Meaning`)
    t.ok(row.category.length > 0, `${seed.code} has a category`)
    t.equal(row.retryable, retryableCodes.includes(seed.code), `${seed.code} retryable`)
  }
})

// ---------------------------------------------------------------------------
// (b) every business code over HTTP
// ---------------------------------------------------------------------------

t.test('every business code answers its status with { error: { message, type, code } }', async t => {
  const app = await build(t, { plugin: { preset: 'tokenbay' } })
  app.get<{ Params: { code: string } }>('/v1/throw/:code', async request => {
    throw (factories[request.params.code] as Factory)()
  })

  for (const seed of seedCodes) {
    const row = presets.tokenbay.codes.find(r => r.code === seed.code)
    const res = await app.inject(`/v1/throw/${seed.code}`)
    t.equal(res.statusCode, seed.status, `${seed.code} status`)
    t.equal(res.headers['content-type'], 'application/json; charset=utf-8', `${seed.code} content-type`)
    const body = res.json()
    assertOpenAIShape(t, body)
    t.strictSame(body, { error: { message: seed.meaning, type: row?.category, code: seed.code } }, `${seed.code} body`)

    const requestId = res.headers['x-request-id']
    t.match(requestId, /^req_[0-9a-f]{32}$/, `${seed.code} x-request-id header`)
    t.notMatch(res.body, String(requestId), `${seed.code} the request id is only in the header`)
    t.equal(res.headers['x-should-retry'], retryableCodes.includes(seed.code) ? 'true' : 'false', `${seed.code} x-should-retry`)
    t.notOk('retry-after' in res.headers, `${seed.code} no Retry-After without retryAfter`)
    t.notOk('retry-after-ms' in res.headers, `${seed.code} no retry-after-ms without retryAfter`)
  }
})

t.test('a rate limit may be retried, an exhausted quota may not', async t => {
  const app = await build(t, { plugin: { preset: 'tokenbay' } })
  app.get('/rate', async () => { throw presets.tokenbay.errors.account_rate_limited() })
  app.get('/quota', async () => { throw presets.tokenbay.errors.api_key_point_limit_exceeded() })
  app.get('/insufficient', async () => { throw presets.tokenbay.errors.account_point_insufficient() })

  const rate = await app.inject('/rate')
  t.equal(rate.statusCode, 429)
  t.equal(rate.headers['x-should-retry'], 'true')
  const quota = await app.inject('/quota')
  t.equal(quota.statusCode, 429)
  t.equal(quota.headers['x-should-retry'], 'false')
  const insufficient = await app.inject('/insufficient')
  t.equal(insufficient.statusCode, 403)
  t.equal(insufficient.headers['x-should-retry'], 'false')
})

t.test('new ApiError(account_rate_limited, { retryAfter: 2 }): Retry-After and retry-after-ms', async t => {
  const app = await build(t, { plugin: { preset: 'tokenbay' }, requestId: 'req-fixed-1' })
  app.post('/v1/chat/completions', async () => { throw new ApiError('account_rate_limited', { retryAfter: 2 }) })

  const res = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: { model: 'm' } })
  t.equal(res.statusCode, 429)
  t.equal(res.headers['retry-after'], '2')
  t.equal(res.headers['retry-after-ms'], '2000')
  t.equal(res.headers['x-should-retry'], 'true')
  t.equal(res.headers['x-request-id'], 'req-fixed-1')
  t.strictSame(res.json(), {
    error: { message: 'Account request rate limit exceeded', type: presets.tokenbay.catalog.account_rate_limited.category, code: 'account_rate_limited' }
  }, 'the body stays the three documented members')
})

t.test('a message and a param given to a factory reach the body', async t => {
  const app = await build(t, { plugin: { preset: 'tokenbay' } })
  app.get('/', async () => { throw presets.tokenbay.errors.model_not_found({ message: 'Model gpt-9 does not exist', field: 'model' }) })
  const res = await app.inject('/')
  t.equal(res.statusCode, 404)
  const body = res.json()
  assertOpenAIShape(t, body, true)
  t.strictSame(body.error, { message: 'Model gpt-9 does not exist', type: presets.tokenbay.catalog.model_not_found.category, code: 'model_not_found', param: 'model' })
})

// ---------------------------------------------------------------------------
// (c) the HTTP Status Code Conventions table, for the conditions the framework raises
// ---------------------------------------------------------------------------

/** A code of the preset's catalog whose status is `status`; its category is the body's type. */
function assertConvention (t: Test, res: LightMyRequestResponse, status: number, label: string): OpenAIBody['error'] {
  t.equal(res.statusCode, status, `${label}: status ${status} (${meaningOf(status)})`)
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8', `${label}: content-type`)
  t.match(res.headers['x-request-id'], /^req_[0-9a-f]{32}$/, `${label}: x-request-id`)
  const body = res.json() as OpenAIBody
  const error = body.error ?? {}
  const entry = catalog[error.code]
  t.ok(entry, `${label}: code '${error.code}' is a code of the tokenbay catalog`)
  t.match(error.code, /^[a-z][a-z0-9_]*$/, `${label}: a lower-case code, as the document's`)
  t.equal(entry?.status, status, `${label}: the code's status is the answer's`)
  t.equal(error.type, entry?.category, `${label}: type is the code's category`)
  return error
}

t.test('400: invalid parameters (schema validation) names the field in param', async t => {
  const app = await build(t, { plugin: { preset: 'tokenbay' } })
  app.post('/v1/chat/completions', {
    schema: {
      body: {
        type: 'object',
        required: ['model', 'messages'],
        properties: { model: { type: 'string' }, messages: { type: 'array' }, temperature: { type: 'number', minimum: 0, maximum: 2 } }
      }
    }
  }, async () => ({ ok: true }))

  const missing = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: { model: 'm' } })
  const body = missing.json()
  assertOpenAIShape(t, body, true)
  const error = assertConvention(t, missing, 400, 'missing field')
  t.equal(error.param, 'messages')
  t.match(error.message, 'messages')
  t.equal(missing.headers['x-should-retry'], 'false', 'a bad request is not retried')

  const range = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: { model: 'm', messages: [], temperature: 5 } })
  const rangeError = assertConvention(t, range, 400, 'out of range')
  t.equal(rangeError.param, 'temperature')
})

t.test('400: a body that cannot be parsed', async t => {
  const app = await build(t, { plugin: { preset: 'tokenbay' } })
  app.post('/v1/chat/completions', async () => ({ ok: true }))
  const res = await app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, payload: '{"model":' })
  assertOpenAIShape(t, res.json())
  assertConvention(t, res, 400, 'malformed JSON')
})

t.test('401: authentication failed', async t => {
  const app = await build(t, { plugin: { preset: 'tokenbay' } })
  app.get('/v1/models', async () => { throw createHttpError(401, 'Token is missing') })
  const res = await app.inject('/v1/models')
  assertOpenAIShape(t, res.json())
  const error = assertConvention(t, res, 401, 'http-errors 401')
  t.equal(error.message, 'Token is missing', 'a 4xx keeps its message')
})

t.test('404: no route matched', async t => {
  const app = await build(t, { plugin: { preset: 'tokenbay' } })
  const res = await app.inject('/v1/nope')
  assertOpenAIShape(t, res.json())
  const error = assertConvention(t, res, 404, 'no route')
  t.not(error.code, 'model_not_found', 'no route is not a missing model')
})

t.test('413: a body over bodyLimit', async t => {
  const app = await build(t, { plugin: { preset: 'tokenbay' }, server: { bodyLimit: 100 } })
  app.post('/v1/chat/completions', async () => ({ ok: true }))
  const res = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: { prompt: 'x'.repeat(500) } })
  assertOpenAIShape(t, res.json())
  assertConvention(t, res, 413, 'body too large')
})

t.test('5xx: the status is kept, the message is the document\'s Meaning, never the real one', async t => {
  const app = await build(t, { plugin: { preset: 'tokenbay' } })
  app.get('/unknown', async () => { throw new Error('password=hunter2 at db-3.internal') })
  app.get('/501', async () => { throw createHttpError(501, 'conversion for model x not wired at converter.ts:42') })
  app.get('/NotImplemented', async () => { throw new createHttpError.NotImplemented('responses API conversion missing in converter.ts') })
  app.get('/503', async () => { throw createHttpError(503, 'cpu at 99% on node-7') })
  app.get('/504', async () => { throw createHttpError(504, 'channel upstream-17 took 61s') })

  const cases: Array<[string, number, string]> = [
    ['/unknown', 500, 'hunter2'],
    ['/501', 501, 'converter.ts'],
    ['/NotImplemented', 501, 'converter.ts'],
    ['/503', 503, 'node-7'],
    ['/504', 504, 'upstream-17']
  ]
  for (const [url, status, secret] of cases) {
    const res = await app.inject(url)
    assertOpenAIShape(t, res.json())
    const error = assertConvention(t, res, status, url)
    t.equal(error.message, meaningOf(status), `${url}: message is "${meaningOf(status)}"`)
    t.notMatch(res.body, secret, `${url}: the real message stays in the log`)
  }
})

t.test('every 4xx/5xx status of the conventions table maps to a code of that status', async t => {
  const app = await build(t, { plugin: { preset: 'tokenbay' } })
  app.get<{ Params: { status: string } }>('/status/:status', async request => {
    throw createHttpError(Number(request.params.status))
  })
  for (const [status, { meaning }] of conventions) {
    if (status < 400) continue
    const res = await app.inject(`/status/${status}`)
    assertOpenAIShape(t, res.json())
    const error = assertConvention(t, res, status, `http-errors ${status}`)
    if (status >= 500) t.equal(error.message, meaning, `${status}: message is its Meaning`)
  }
})
