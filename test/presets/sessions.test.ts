import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import createHttpError from 'http-errors'
import t from 'tap'
import { presets, type ApiError, type ApiErrorOptions, type RetryGuidance } from '../../src/index.js'
import { build } from '../helper.js'

// ---------------------------------------------------------------------------
// Seed 003, parsed at test time: the document is the source of truth.
// ---------------------------------------------------------------------------

// A copy of shared/seeds/ kept with the tests, so that a clone can run them on its own.
const seedDir = fileURLToPath(new URL('../fixtures/seeds/', import.meta.url))
if (!existsSync(seedDir)) {
  throw new Error(`seed folder ${seedDir} is missing: these tests check the sessions preset against its seed 003_*.txt`)
}
const seedName = readdirSync(seedDir).find(name => name.startsWith('003_'))
if (seedName === undefined) throw new Error(`no 003_*.txt seed in ${seedDir}`)

const lines = readFileSync(seedDir + seedName, 'utf8').split('\n').map(line => line.trim())

// The JSON example: from a line holding only `{` to the brace that closes it.
function jsonExample (): Record<string, any> {
  const start = lines.indexOf('{')
  if (start === -1) throw new Error(`no JSON example in ${seedName}`)
  const json: string[] = []
  let depth = 0
  for (let i = start; i < lines.length; i++) {
    const line = lines[i] as string
    json.push(line)
    depth += line.split('{').length - line.split('}').length
    if (depth === 0) break
  }
  return JSON.parse(json.join('\n'))
}
const example = jsonExample()

// The code table lost its cell borders: `AUTH_INVALID_KEY401Invalid API KeyCheck key` is
// Code, HTTP, Description, Action run together. Description and Action are sentence-cased,
// so the Action starts at the first capital that directly follows a lowercase letter.
interface SeedCode { code: string, status: number, description: string, action: string }
const header = lines.indexOf('CodeHTTPDescriptionAction')
if (header === -1) throw new Error(`no code table in ${seedName}`)
const seedCodes: SeedCode[] = []
for (let i = header + 1; i < lines.length && lines[i] !== ''; i++) {
  const row = /^([A-Z_]+)(\d{3})(.*)$/.exec(lines[i] as string)
  if (row === null) throw new Error(`row "${lines[i] ?? ''}" of ${seedName} is not Code HTTP Description Action`)
  const rest = row[3] as string
  const cut = rest.search(/(?<=[a-z])[A-Z]/)
  if (cut <= 0) throw new Error(`cannot split "${rest}" into Description and Action`)
  seedCodes.push({ code: row[1] as string, status: Number(row[2]), description: rest.slice(0, cut), action: rest.slice(cut) })
}

// Retry guidance: `• Do not retry: AUTH_INVALID_KEY, INSUFFICIENT_BALANCE, … — fix input or state.`
const guidanceNames: Record<string, RetryGuidance> = {
  'Do not retry': 'do_not_retry',
  'Refresh and retry': 'refresh_and_retry',
  'Wait and retry': 'wait_retry_after',
  'Exponential backoff': 'exponential_backoff'
}
const retryGuidance = new Map<string, RetryGuidance>()
for (const line of lines) {
  const item = /^•\s*([^:]+):\s*(.+?)\s+—/.exec(line)
  if (item === null) continue
  const guidance = guidanceNames[item[1] as string]
  if (guidance === undefined) throw new Error(`unknown retry guidance "${item[1] ?? ''}" in ${seedName}`)
  for (const code of (item[2] as string).split(',')) retryGuidance.set(code.trim(), guidance)
}

function seedCode (code: string): SeedCode {
  const found = seedCodes.find(c => c.code === code)
  if (found === undefined) throw new Error(`seed 003 has no code ${code}`)
  return found
}

type Factory = (opts?: ApiErrorOptions) => ApiError
const factories = presets.sessions.errors as unknown as Record<string, Factory>

// ---------------------------------------------------------------------------
// (a) the code table and the retry guidance
// ---------------------------------------------------------------------------

t.test('the seed parsed into its table, retry guidance and example', async t => {
  t.equal(seedCodes.length, 16)
  t.equal(new Set(seedCodes.map(c => c.code)).size, 16, 'no code twice')
  t.strictSame(seedCode('AUTH_INVALID_KEY'), { code: 'AUTH_INVALID_KEY', status: 401, description: 'Invalid API Key', action: 'Check key' })
  t.strictSame(seedCode('AUTH_EXPIRED_TOKEN'), { code: 'AUTH_EXPIRED_TOKEN', status: 401, description: 'JWT expired', action: 'Refresh token' })
  t.strictSame(seedCode('RATE_LIMIT_EXCEEDED'), { code: 'RATE_LIMIT_EXCEEDED', status: 429, description: 'Too many requests', action: 'Back off; use Retry-After' })
  t.strictSame(seedCode('IDEMPOTENCY_CONFLICT'), { code: 'IDEMPOTENCY_CONFLICT', status: 409, description: 'Duplicate idempotency key', action: 'Use new key or reuse cached response' })
  t.strictSame(seedCode('BACKEND_TIMEOUT'), { code: 'BACKEND_TIMEOUT', status: 504, description: 'Backend timeout', action: 'Retry' })
  t.strictSame(Object.fromEntries(retryGuidance), {
    AUTH_INVALID_KEY: 'do_not_retry',
    INSUFFICIENT_BALANCE: 'do_not_retry',
    INVALID_REQUEST: 'do_not_retry',
    SESSION_NOT_FOUND: 'do_not_retry',
    AUTH_EXPIRED_TOKEN: 'refresh_and_retry',
    RATE_LIMIT_EXCEEDED: 'wait_retry_after',
    BACKEND_ERROR: 'exponential_backoff',
    BACKEND_TIMEOUT: 'exponential_backoff'
  })
  t.equal(example.error?.code, 'INSUFFICIENT_BALANCE')
})

t.test('the statuses the issue names are all in the table', async t => {
  const statuses = new Set(seedCodes.map(c => c.status))
  for (const status of [402, 409, 410, 502, 504]) t.ok(statuses.has(status), `${status}`)
})

t.test('presets.sessions.codes holds every code with its status, Description, Action and retry guidance', async t => {
  const byCode = new Map(presets.sessions.codes.map(row => [row.code, row]))
  for (const seed of seedCodes) {
    const row = byCode.get(seed.code)
    if (row === undefined) {
      t.fail(`${seed.code} is missing from presets.sessions.codes`)
      continue
    }
    t.equal(row.status, seed.status, `${seed.code} status`)
    t.equal(row.message, seed.description, `${seed.code} message is its Description`)
    t.equal(row.resolution, seed.action, `${seed.code} resolution is its Action`)
    t.ok(row.retry !== undefined, `${seed.code} has retry guidance`)
  }
  for (const [code, guidance] of retryGuidance) {
    const row = byCode.get(code)
    t.equal(row?.retry, guidance, `${code} retry is ${guidance}`)
    t.equal(row?.retryable, guidance !== 'do_not_retry', `${code} retryable agrees with its guidance`)
  }
  t.strictSame(presets.sessions.codes.map(row => row.code).sort(), seedCodes.map(c => c.code).sort(),
    'and no code the document does not list')
})

// ---------------------------------------------------------------------------
// (b) every code over HTTP
// ---------------------------------------------------------------------------

t.test('every sessions code answers its status and exactly the documented envelope', async t => {
  const app = await build(t, { requestId: 'req_conformance', plugin: { preset: 'sessions' } })
  app.get<{ Params: { code: string } }>('/throw/:code', async request => {
    throw (factories[request.params.code] as Factory)()
  })
  for (const seed of seedCodes) {
    const res = await app.inject(`/throw/${seed.code}`)
    t.equal(res.statusCode, seed.status, `${seed.code} status`)
    t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
    // `data: null` and `details` always; no timestamp: only what the document shows.
    t.strictSame(res.json(), {
      success: false,
      data: null,
      error: { code: seed.code, message: seed.description, details: {} },
      meta: { request_id: 'req_conformance' }
    }, `${seed.code} body`)
    t.equal(res.headers['x-request-id'], 'req_conformance', `${seed.code} X-Request-Id equals meta.request_id`)
  }
})

t.test('a generated request id is the body\'s meta.request_id and the X-Request-Id header', async t => {
  const app = await build(t, { plugin: { preset: 'sessions' } })
  app.get('/', async () => { throw presets.sessions.errors.SESSION_EXPIRED() })
  const res = await app.inject('/')
  t.equal(res.statusCode, 410)
  t.match(res.json().meta.request_id, /^req_[0-9a-f]{32}$/)
  t.equal(res.headers['x-request-id'], res.json().meta.request_id)
})

// ---------------------------------------------------------------------------
// (c) the document's example body
// ---------------------------------------------------------------------------

t.test('example: INSUFFICIENT_BALANCE with its balance details', async t => {
  // JSON numbers: the document's 50.00 and 100.00 are 50 and 100.
  t.strictSame(example, {
    success: false,
    data: null,
    error: {
      code: 'INSUFFICIENT_BALANCE',
      message: 'Insufficient balance. Current balance: 50.00; required: 100.00',
      details: { current_balance: 50, required_amount: 100 }
    },
    meta: { request_id: 'req_xxxx' }
  })
  const app = await build(t, { requestId: 'req_xxxx', plugin: { preset: 'sessions' } })
  app.post('/v1/sessions', async () => {
    throw presets.sessions.errors.INSUFFICIENT_BALANCE({
      message: 'Insufficient balance. Current balance: 50.00; required: 100.00',
      details: { current_balance: 50.00, required_amount: 100.00 }
    })
  })
  const res = await app.inject({ method: 'POST', url: '/v1/sessions' })
  t.equal(res.statusCode, 402)
  t.strictSame(res.json(), example)
  t.equal(res.body, JSON.stringify(example), 'same members in the same order')
  t.equal(res.headers['x-request-id'], 'req_xxxx')
  t.matchSnapshot(res.json(), 'INSUFFICIENT_BALANCE')
})

// ---------------------------------------------------------------------------
// (d) validation and the conditions the framework raises
// ---------------------------------------------------------------------------

t.test('validation failures: 400 INVALID_REQUEST with details { field, issue }', async t => {
  const app = await build(t, { requestId: 'req_validation', plugin: { preset: 'sessions' } })
  app.post('/v1/sessions', {
    schema: {
      body: {
        type: 'object',
        required: ['product_id'],
        properties: {
          product_id: { type: 'string', pattern: '^prod_[a-z0-9]+$' },
          quantity: { type: 'integer', minimum: 1, maximum: 10 },
          region: { type: 'string', enum: ['eu', 'us'] }
        }
      }
    }
  }, async () => ({ ok: true }))
  const cases: Array<{ name: string, payload: Record<string, unknown>, field: string, issue: RegExp }> = [
    { name: 'a missing field', payload: { quantity: 1 }, field: 'product_id', issue: /required/ },
    { name: 'a wrong type', payload: { product_id: 'prod_1', quantity: 'many' }, field: 'quantity', issue: /integer/ },
    { name: 'a value out of range', payload: { product_id: 'prod_1', quantity: 11 }, field: 'quantity', issue: /<= 10/ },
    { name: 'a bad format', payload: { product_id: 'banana' }, field: 'product_id', issue: /pattern/ },
    { name: 'a value not in the enum', payload: { product_id: 'prod_1', region: 'mars' }, field: 'region', issue: /must be one of '/ }
  ]
  for (const c of cases) {
    const res = await app.inject({ method: 'POST', url: '/v1/sessions', payload: c.payload })
    t.equal(res.statusCode, 400, `${c.name}: status`)
    const body = res.json()
    t.strictSame(Object.keys(body), ['success', 'data', 'error', 'meta'], `${c.name}: members`)
    t.equal(body.success, false)
    t.equal(body.data, null)
    t.equal(body.error.code, 'INVALID_REQUEST', `${c.name}: code`)
    t.type(body.error.message, 'string')
    t.strictSame(Object.keys(body.error.details).sort(), ['field', 'issue'], `${c.name}: details members`)
    t.equal(body.error.details.field, c.field, `${c.name}: field`)
    t.match(body.error.details.issue, c.field, `${c.name}: issue names the field`)
    t.match(body.error.details.issue, c.issue, `${c.name}: issue says what is wrong`)
    t.strictSame(body.meta, { request_id: 'req_validation' })
  }
  const ok = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { product_id: 'prod_1', quantity: 2, region: 'eu' } })
  t.equal(ok.statusCode, 200, 'a valid request passes')
})

t.test('no route: 404 NOT_FOUND, a code of this preset the document does not list', async t => {
  const app = await build(t, { requestId: 'req_nf', plugin: { preset: 'sessions' } })
  const res = await app.inject('/v1/nowhere')
  t.equal(res.statusCode, 404)
  const body = res.json()
  t.strictSame(body, {
    success: false,
    data: null,
    error: { code: 'NOT_FOUND', message: body.error.message, details: {} },
    meta: { request_id: 'req_nf' }
  })
  t.match(body.error.message, /not found/i)
  t.notOk(presets.sessions.codes.some(row => row.code === 'NOT_FOUND'), 'NOT_FOUND is not in the documented code table')
  t.notOk(seedCodes.some(row => row.code === 'NOT_FOUND'), 'nor in the document')
})

t.test('malformed JSON: 400 INVALID_REQUEST', async t => {
  const app = await build(t, { requestId: 'req_json', plugin: { preset: 'sessions' } })
  app.post('/v1/sessions', async request => ({ got: request.body }))
  const res = await app.inject({ method: 'POST', url: '/v1/sessions', headers: { 'content-type': 'application/json' }, payload: '{"product_id":' })
  t.equal(res.statusCode, 400)
  const body = res.json()
  t.strictSame(body, {
    success: false,
    data: null,
    error: { code: 'INVALID_REQUEST', message: body.error.message, details: {} },
    meta: { request_id: 'req_json' }
  })
  t.type(body.error.message, 'string')
})

t.test('upstream failures from http-errors: 502 BACKEND_ERROR, 504 BACKEND_TIMEOUT', async t => {
  const app = await build(t, { requestId: 'req_up', plugin: { preset: 'sessions' } })
  app.get<{ Params: { status: string } }>('/:status', async request => {
    throw createHttpError(Number(request.params.status), 'pool exhausted at db-7.internal')
  })
  for (const [status, code] of [[502, 'BACKEND_ERROR'], [504, 'BACKEND_TIMEOUT']] as const) {
    const res = await app.inject(`/${status}`)
    t.equal(res.statusCode, status)
    t.strictSame(res.json(), {
      success: false,
      data: null,
      error: { code, message: seedCode(code).description, details: {} },
      meta: { request_id: 'req_up' }
    }, `${status}: ${code} with the document's Description, not the thrown message`)
    t.notMatch(res.body, 'db-7.internal')
  }
})

t.test('an unknown thrown Error: 500 INTERNAL_ERROR, its message hidden', async t => {
  const app = await build(t, { requestId: 'req_internal', plugin: { preset: 'sessions' } })
  app.get('/', async () => { throw new Error('balance ledger out of sync for user 42') })
  const res = await app.inject('/')
  t.equal(res.statusCode, 500)
  t.strictSame(res.json(), {
    success: false,
    data: null,
    error: { code: 'INTERNAL_ERROR', message: 'Internal error', details: {} },
    meta: { request_id: 'req_internal' }
  })
  t.equal(res.json().error.message, seedCode('INTERNAL_ERROR').description)
  t.notMatch(res.body, 'ledger')
})

// ---------------------------------------------------------------------------
// (e) headers
// ---------------------------------------------------------------------------

t.test('429 with retryAfter: Retry-After in seconds, the body keeps the documented shape', async t => {
  const app = await build(t, { requestId: 'req_429', plugin: { preset: 'sessions' } })
  app.get('/', async () => { throw presets.sessions.errors.RATE_LIMIT_EXCEEDED({ retryAfter: 30 }) })
  const res = await app.inject('/')
  t.equal(res.statusCode, 429)
  t.equal(res.headers['retry-after'], '30')
  t.strictSame(res.json(), {
    success: false,
    data: null,
    error: { code: 'RATE_LIMIT_EXCEEDED', message: 'Too many requests', details: {} },
    meta: { request_id: 'req_429' }
  })
})
