import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance, InjectOptions } from 'fastify'
import createHttpError from 'http-errors'
import t from 'tap'
import { ApiError, defineErrors, presets, type ApiErrorOptions } from '../../src/index.js'
import { build, type Teardown } from '../helper.js'

// ---------------------------------------------------------------------------
// Seed 002, parsed at test time: the document is the source of truth.
// ---------------------------------------------------------------------------

// A copy of shared/seeds/ kept with the tests, so that a clone can run them on its own.
const seedDir = fileURLToPath(new URL('../fixtures/seeds/', import.meta.url))
if (!existsSync(seedDir)) {
  throw new Error(`seed folder ${seedDir} is missing: these tests check the genai preset against its seed 002_*.txt`)
}
const seedName = readdirSync(seedDir).find(name => name.startsWith('002_'))
if (seedName === undefined) throw new Error(`no 002_*.txt seed in ${seedDir}`)

// A text dump of a web page: a table is its cells on successive lines, each ending with ` |`,
// header cells first; the line before a table is its heading ("401 - Unauthorized",
// "Text Generation Errors"). JSON examples start with a line holding only `{`.
const lines = readFileSync(seedDir + seedName, 'utf8').split('\n').map(line => line.trim())

interface Table { heading: string, header: string[], rows: string[][] }
const tables: Table[] = []
const examples: Array<Record<string, any>> = []

const cellOf = (line: string | undefined): string | undefined => line?.endsWith(' |') === true ? line.slice(0, -2).trim() : undefined
const count = (line: string, char: string): number => line.split(char).length - 1

for (let i = 0; i < lines.length; i++) {
  const line = lines[i] as string
  if (line === '{') {
    const json: string[] = []
    let depth = 0
    for (; i < lines.length; i++) {
      const part = lines[i] as string
      json.push(part)
      depth += count(part, '{') - count(part, '}')
      if (depth === 0) break
    }
    examples.push(JSON.parse(json.join('\n')))
  } else if (cellOf(line) !== undefined) {
    const heading = lines[i - 1] ?? ''
    const run: string[] = []
    while (i < lines.length && cellOf(lines[i]) !== undefined) run.push(cellOf(lines[i++]) as string)
    i--
    // Header cells are capitalised words (Code, Message, Field, Description, Status); a row starts with a code or a number.
    let width = 0
    while (/^[A-Z][a-z]+$/.test(run[width] ?? '')) width++
    const header = run.slice(0, width)
    const body = run.slice(width)
    if (width === 0 || body.length % width !== 0) throw new Error(`table after "${heading}" in ${seedName} does not split into rows of ${width}`)
    const rows: string[][] = []
    for (let r = 0; r < body.length; r += width) rows.push(body.slice(r, r + width))
    tables.push({ heading, header, rows })
  }
}

const statusHeading = /^(\d{3}(?:\/\d{3})*) - (.+)$/
const codeTables = tables.filter(table => table.header[0] === 'Code')
const statusTable = tables.find(table => table.header[0] === 'Status')
if (codeTables.length === 0 || statusTable === undefined) throw new Error(`could not find the tables of ${seedName}`)
const documentedStatuses = new Map(statusTable.rows.map(([status, text]) => [Number(status), text as string]))

interface SeedCode {
  code: string
  message: string
  description: string
  /** Only the Field-Specific tables have a Field column. */
  field?: string
  /** The statuses of the section heading; none for the Field-Specific tables. */
  statuses?: number[]
  heading: string
}

const seedCodes: SeedCode[] = codeTables.flatMap(table => {
  const match = statusHeading.exec(table.heading)
  const statuses = match === null ? undefined : (match[1] as string).split('/').map(Number)
  return table.rows.map(row => {
    const cell = (name: string): string | undefined => {
      const index = table.header.indexOf(name)
      return index === -1 ? undefined : row[index]
    }
    const seed: SeedCode = { code: cell('Code') as string, message: cell('Message') as string, description: cell('Description') as string, heading: table.heading }
    const field = cell('Field')
    if (field !== undefined) seed.field = field
    if (statuses !== undefined) seed.statuses = statuses
    return seed
  })
})

/**
 * The status a code answers: its heading's. The Field-Specific tables have no
 * status heading; they are request errors, 400. The "502/503 - Service
 * Unavailable" codes answer 503 (502 is what an upstream failure gets).
 */
function statusOf (seed: SeedCode): number {
  if (seed.statuses === undefined) return 400
  return seed.statuses.length === 1 ? seed.statuses[0] as number : 503
}

function seedCode (code: string): SeedCode {
  const found = seedCodes.find(c => c.code === code)
  if (found === undefined) throw new Error(`seed 002 has no code ${code}`)
  return found
}

/** The document's Message of a code: what the body's `error.message` says. */
const messageOf = (code: string): string => seedCode(code).message

const formatExample = examples.find(e => e.success === false)
const requestIdExample = examples.find(e => e.success === undefined)
if (formatExample === undefined || requestIdExample === undefined) throw new Error(`could not find the JSON examples of ${seedName}`)

type Factory = (opts?: ApiErrorOptions) => ApiError
const factories = presets.genai.errors as unknown as Record<string, Factory>

const isoSeconds = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/
const fixedTimestamp = '2024-01-01T00:00:00Z'

/** Member names and nesting of a JSON value, with every leaf replaced by its type. */
function shapeOf (value: unknown): unknown {
  if (value === null) return 'null'
  if (typeof value !== 'object') return typeof value
  return Object.fromEntries(Object.entries(value).map(([key, member]) => [key, shapeOf(member)]))
}

// ---------------------------------------------------------------------------
// (a) the code tables
// ---------------------------------------------------------------------------

t.test('the seed parsed into its tables and examples', async t => {
  t.equal(codeTables.length, 9, 'seven status sections and two field-specific tables')
  t.equal(seedCodes.length, 29)
  t.equal(new Set(seedCodes.map(c => c.code)).size, 29, 'no code twice')
  t.equal(seedCodes.filter(c => c.field !== undefined).length, 6, 'six field-specific codes')
  t.strictSame([...documentedStatuses.keys()], [200, 201, 400, 401, 403, 404, 429, 500, 502, 503])
  t.equal(examples.length, 2)
  t.strictSame(seedCode('OVERLOADED'), {
    code: 'OVERLOADED',
    message: 'Service is overloaded',
    description: 'Server is experiencing high load',
    statuses: [502, 503],
    heading: '502/503 - Service Unavailable'
  })
  t.strictSame(seedCode('INVALID_TEMPERATURE'), {
    code: 'INVALID_TEMPERATURE',
    message: 'Temperature must be between 0 and 2',
    description: 'Temperature value is out of range',
    field: 'temperature',
    heading: 'Text Generation Errors'
  })
})

t.test('presets.genai.codes holds every code of every table', async t => {
  const byCode = new Map(presets.genai.codes.map(row => [row.code, row]))
  for (const seed of seedCodes) {
    const row = byCode.get(seed.code)
    if (row === undefined) {
      t.fail(`${seed.code} is missing from presets.genai.codes`)
      continue
    }
    t.equal(row.status, statusOf(seed), `${seed.code} status (from "${seed.heading}")`)
    if (seed.statuses !== undefined) t.ok(seed.statuses.includes(row.status), `${seed.code} status is one its heading names`)
    t.ok(documentedStatuses.has(row.status), `${seed.code} status ${row.status} is in the HTTP Status Codes table`)
    t.equal(row.message, seed.message, `${seed.code} message is its Message`)
    t.equal(row.description, seed.description, `${seed.code} description is its Description`)
    t.equal(row.field, seed.field, seed.field === undefined ? `${seed.code} has no field` : `${seed.code} field is ${seed.field}`)
  }
  t.strictSame(presets.genai.codes.map(row => row.code).sort(), seedCodes.map(c => c.code).sort(),
    'and no code the document does not list')
})

// ---------------------------------------------------------------------------
// (b) every code over HTTP
// ---------------------------------------------------------------------------

t.test('every genai code answers its status and exactly the documented envelope', async t => {
  const app = await build(t, { requestId: 'req_conformance', plugin: { preset: 'genai' } })
  app.get<{ Params: { code: string } }>('/throw/:code', async request => {
    throw (factories[request.params.code] as Factory)()
  })

  for (const seed of seedCodes) {
    const res = await app.inject(`/throw/${seed.code}`)
    t.equal(res.statusCode, statusOf(seed), `${seed.code} status`)
    t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
    const body = res.json()
    // No `details` when there are none, no `data`: only what the document shows. A field-specific
    // code names its field as the document's `details: { field, issue }`.
    const field = (presets.genai.catalog as Record<string, { field?: string }>)[seed.code]?.field
    t.strictSame(body, {
      success: false,
      error: { code: seed.code, message: seed.message, ...(field === undefined ? {} : { details: { field, issue: seed.message } }) },
      meta: { request_id: 'req_conformance', timestamp: fixedTimestamp }
    }, `${seed.code} body`)
    t.match(body.meta.timestamp, isoSeconds, `${seed.code} timestamp is ISO-8601 UTC in whole seconds`)
    t.equal(res.headers['x-request-id'], body.meta.request_id, `${seed.code} X-Request-Id equals meta.request_id`)
  }
})

t.test('the timestamp is the time of the error, UTC, without milliseconds', async t => {
  const app = await build(t, { plugin: { preset: 'genai', now: () => new Date('2025-07-14T13:45:09.876+02:00') } })
  app.get('/', async () => { throw presets.genai.errors.MODEL_NOT_FOUND() })
  const res = await app.inject('/')
  t.equal(res.json().meta.timestamp, '2025-07-14T11:45:09Z')
})

t.test('a generated request id is the body\'s meta.request_id and the X-Request-Id header', async t => {
  const app = await build(t, { plugin: { preset: 'genai' } })
  app.get('/', async () => { throw presets.genai.errors.QUOTA_EXCEEDED() })
  const res = await app.inject('/')
  t.equal(res.statusCode, 403)
  t.match(res.json().meta.request_id, /^req_[0-9a-f]{32}$/)
  t.equal(res.headers['x-request-id'], res.json().meta.request_id)
})

t.test('a field-specific code thrown with its field carries details { field, issue }', async t => {
  const app = await build(t, { plugin: { preset: 'genai' } })
  app.get('/field', async () => { throw presets.genai.errors.PROMPT_VIOLATION({ field: 'prompt' }) })
  app.get('/details', async () => {
    throw presets.genai.errors.PROMPT_VIOLATION({ details: { field: 'prompt', issue: 'The description asks for a weapon' } })
  })
  const field = (await app.inject('/field')).json()
  t.equal(field.error.code, 'PROMPT_VIOLATION')
  t.equal(field.error.message, messageOf('PROMPT_VIOLATION'))
  t.strictSame(Object.keys(field.error.details).sort(), ['field', 'issue'])
  t.equal(field.error.details.field, 'prompt')
  t.type(field.error.details.issue, 'string')
  const details = (await app.inject('/details')).json()
  t.strictSame(details.error, {
    code: 'PROMPT_VIOLATION',
    message: messageOf('PROMPT_VIOLATION'),
    details: { field: 'prompt', issue: 'The description asks for a weapon' }
  })
})

// ---------------------------------------------------------------------------
// (c) request validation
// ---------------------------------------------------------------------------

async function generationApp (t: Teardown): Promise<FastifyInstance> {
  const app = await build(t, { requestId: 'req_validation', plugin: { preset: 'genai' } })
  app.post('/v1/text/generate', {
    schema: {
      body: {
        type: 'object',
        required: ['prompt', 'model', 'temperature'],
        properties: {
          prompt: { type: 'string', maxLength: 50 },
          model: { type: 'string', enum: ['gen-small', 'gen-large'] },
          temperature: { type: 'number', minimum: 0, maximum: 2 },
          max_tokens: { type: 'integer', minimum: 1 },
          n: { type: 'integer', minimum: 1, maximum: 4 },
          style: { type: 'string', enum: ['plain', 'markdown'] }
        }
      }
    }
  }, async () => ({ ok: true }))
  app.post('/v1/images/generate', {
    schema: {
      body: {
        type: 'object',
        required: ['prompt'],
        properties: {
          prompt: { type: 'string', maxLength: 50 },
          size: { type: 'string', enum: ['256x256', '512x512', '1024x1024'] },
          quality: { type: 'string', enum: ['standard', 'hd'] }
        }
      }
    }
  }, async () => ({ ok: true }))
  app.get('/v1/models', {
    schema: { querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1 } } } }
  }, async () => ({ data: [] }))
  return app
}

const text = { prompt: 'Write a haiku', model: 'gen-small', temperature: 1 }
const image = { prompt: 'A red fox' }

interface ValidationCase {
  name: string
  url: string
  payload: Record<string, unknown>
  code: string
  field: string
  /** What the issue has to say about the field. */
  issue: RegExp
}

const validationCases: ValidationCase[] = [
  { name: 'a missing field', url: '/v1/text/generate', payload: { model: 'gen-small', temperature: 1 }, code: 'MISSING_REQUIRED_FIELD', field: 'prompt', issue: /required/ },
  { name: 'a missing temperature keeps the missing-field code', url: '/v1/text/generate', payload: { prompt: 'hi', model: 'gen-small' }, code: 'MISSING_REQUIRED_FIELD', field: 'temperature', issue: /required/ },
  { name: 'a missing model keeps the missing-field code', url: '/v1/text/generate', payload: { prompt: 'hi', temperature: 1 }, code: 'MISSING_REQUIRED_FIELD', field: 'model', issue: /required/ },
  { name: 'a wrong type', url: '/v1/text/generate', payload: { ...text, n: 'two' }, code: 'INVALID_FIELD_VALUE', field: 'n', issue: /integer/ },
  { name: 'a value out of range', url: '/v1/text/generate', payload: { ...text, n: 9 }, code: 'INVALID_FIELD_VALUE', field: 'n', issue: /<= 4/ },
  { name: 'a value not in the enum', url: '/v1/text/generate', payload: { ...text, style: 'html' }, code: 'INVALID_FIELD_VALUE', field: 'style', issue: /must be one of '/ },
  { name: 'prompt over maxLength', url: '/v1/text/generate', payload: { ...text, prompt: 'x'.repeat(51) }, code: 'PROMPT_TOO_LONG', field: 'prompt', issue: /50 characters/ },
  { name: 'image prompt over maxLength', url: '/v1/images/generate', payload: { prompt: 'x'.repeat(51) }, code: 'PROMPT_TOO_LONG', field: 'prompt', issue: /50 characters/ },
  { name: 'temperature above 2', url: '/v1/text/generate', payload: { ...text, temperature: 2.5 }, code: 'INVALID_TEMPERATURE', field: 'temperature', issue: /<= 2/ },
  { name: 'temperature below 0', url: '/v1/text/generate', payload: { ...text, temperature: -0.1 }, code: 'INVALID_TEMPERATURE', field: 'temperature', issue: />= 0/ },
  { name: 'temperature not a number', url: '/v1/text/generate', payload: { ...text, temperature: 'hot' }, code: 'INVALID_TEMPERATURE', field: 'temperature', issue: /number/ },
  { name: 'max_tokens below 1', url: '/v1/text/generate', payload: { ...text, max_tokens: 0 }, code: 'INVALID_MAX_TOKENS', field: 'max_tokens', issue: />= 1/ },
  { name: 'max_tokens not an integer', url: '/v1/text/generate', payload: { ...text, max_tokens: 1.5 }, code: 'INVALID_MAX_TOKENS', field: 'max_tokens', issue: /integer/ },
  { name: 'an unknown model', url: '/v1/text/generate', payload: { ...text, model: 'gen-huge' }, code: 'UNSUPPORTED_MODEL', field: 'model', issue: /must be one of '/ },
  { name: 'an unsupported image size', url: '/v1/images/generate', payload: { ...image, size: '300x300' }, code: 'INVALID_IMAGE_SIZE', field: 'size', issue: /must be one of '/ },
  { name: 'an unsupported image quality', url: '/v1/images/generate', payload: { ...image, quality: 'ultra' }, code: 'INVALID_IMAGE_QUALITY', field: 'quality', issue: /must be one of '/ }
]

t.test('validation failures: 400 with the code\'s Message and details { field, issue }', async t => {
  const app = await generationApp(t)
  for (const c of validationCases) {
    const res = await app.inject({ method: 'POST', url: c.url, payload: c.payload })
    t.equal(res.statusCode, 400, `${c.name}: status`)
    t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
    const body = res.json()
    const issue = body.error?.details?.issue
    t.strictSame(body, {
      success: false,
      error: { code: c.code, message: messageOf(c.code), details: { field: c.field, issue } },
      meta: { request_id: 'req_validation', timestamp: fixedTimestamp }
    }, `${c.name}: ${c.code} on ${c.field}`)
    t.type(issue, 'string', `${c.name}: issue is text`)
    t.match(issue, c.field, `${c.name}: issue names the field`)
    t.match(issue, c.issue, `${c.name}: issue says what is wrong`)
  }
})

t.test('a valid request passes the same schemas', async t => {
  const app = await generationApp(t)
  const res = await app.inject({ method: 'POST', url: '/v1/text/generate', payload: { ...text, max_tokens: 10, n: 2, style: 'plain' } })
  t.equal(res.statusCode, 200)
  t.strictSame(res.json(), { ok: true })
})

t.test('an invalid query parameter is INVALID_FIELD_VALUE on that parameter', async t => {
  const app = await generationApp(t)
  const res = await app.inject('/v1/models?limit=0')
  t.equal(res.statusCode, 400)
  t.equal(res.json().error.code, 'INVALID_FIELD_VALUE')
  t.equal(res.json().error.message, messageOf('INVALID_FIELD_VALUE'))
  t.equal(res.json().error.details.field, 'limit')
  t.match(res.json().error.details.issue, />= 1/)
})

// ---------------------------------------------------------------------------
// (d) conditions the framework raises
// ---------------------------------------------------------------------------

async function echoApp (t: Teardown): Promise<FastifyInstance> {
  const app = await build(t, { requestId: 'req_framework', plugin: { preset: 'genai' }, server: { bodyLimit: 100 } })
  app.post('/v1/echo', async request => ({ got: request.body }))
  return app
}

interface FrameworkCase {
  name: string
  request: InjectOptions
  status: number
  code: string
}

const frameworkCases: FrameworkCase[] = [
  { name: 'no route', request: { method: 'GET', url: '/v1/nowhere' }, status: 404, code: 'ENDPOINT_NOT_FOUND' },
  { name: 'malformed JSON', request: { method: 'POST', url: '/v1/echo', headers: { 'content-type': 'application/json' }, payload: '{"prompt":' }, status: 400, code: 'INVALID_REQUEST' },
  { name: 'a wrong content type', request: { method: 'POST', url: '/v1/echo', headers: { 'content-type': 'application/xml' }, payload: '<prompt/>' }, status: 415, code: 'INVALID_REQUEST' },
  { name: 'a body over bodyLimit', request: { method: 'POST', url: '/v1/echo', payload: { prompt: 'x'.repeat(500) } }, status: 413, code: 'INVALID_REQUEST' }
]

t.test('framework conditions: status, code and the envelope', async t => {
  const app = await echoApp(t)
  for (const c of frameworkCases) {
    const res = await app.inject(c.request)
    t.equal(res.statusCode, c.status, `${c.name}: status`)
    t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
    t.equal(res.headers['x-request-id'], 'req_framework')
    const body = res.json()
    t.strictSame(Object.keys(body), ['success', 'error', 'meta'], `${c.name}: members`)
    t.equal(body.success, false)
    t.equal(body.error.code, c.code, `${c.name}: ${c.code}`)
    t.type(body.error.message, 'string')
    if (c.status === 404) {
      t.notOk('details' in body.error, `${c.name}: no details`)
    } else {
      // What was wrong with the request, as a validation failure says it; no field to name.
      t.strictSame(Object.keys(body.error.details), ['issue'], `${c.name}: details.issue alone`)
      t.type(body.error.details.issue, 'string', `${c.name}: issue is text`)
    }
    t.strictSame(body.meta, { request_id: 'req_framework', timestamp: fixedTimestamp })
  }
})

// The genai document gives every code one Message, and the preset keeps it for
// validation failures (the specifics go to details.issue); a framework
// condition answered with one of its codes says that code's Message too.
t.test('framework conditions say their code\'s documented Message', async t => {
  const app = await echoApp(t)
  for (const c of frameworkCases) {
    const res = await app.inject(c.request)
    t.equal(res.json().error.message, messageOf(c.code), `${c.name}: ${c.code} message`)
  }
})

t.test('an unknown thrown Error: 500 INTERNAL_ERROR, its message hidden', async t => {
  const app = await build(t, { requestId: 'req_internal', plugin: { preset: 'genai' } })
  app.get('/', async () => { throw new Error('connect ECONNREFUSED 10.0.0.7:5432 password=hunter2') })
  const res = await app.inject('/')
  t.equal(res.statusCode, 500)
  t.strictSame(res.json(), {
    success: false,
    error: { code: 'INTERNAL_ERROR', message: 'Internal server error' },
    meta: { request_id: 'req_internal', timestamp: fixedTimestamp }
  })
  t.equal(res.json().error.message, messageOf('INTERNAL_ERROR'))
  t.notMatch(res.body, 'hunter2')
})

t.test('http-errors are mapped by status onto the document\'s codes', async t => {
  const app = await build(t, { plugin: { preset: 'genai' } })
  app.get<{ Params: { status: string } }>('/:status', async request => {
    throw createHttpError(Number(request.params.status), 'upstream says: secret-token-123')
  })
  const expected: Array<[number, string]> = [
    [401, 'INVALID_API_KEY'],
    [403, 'INSUFFICIENT_PERMISSIONS'],
    [404, 'RESOURCE_NOT_FOUND'],
    [429, 'RATE_LIMIT_EXCEEDED'],
    [500, 'INTERNAL_ERROR'],
    // The preset maps a bare 502 and 503 onto SERVICE_UNAVAILABLE, the first code of "502/503 - Service Unavailable".
    [502, 'SERVICE_UNAVAILABLE'],
    [503, 'SERVICE_UNAVAILABLE']
  ]
  for (const [status, code] of expected) {
    const res = await app.inject(`/${status}`)
    t.equal(res.statusCode, status, `${status}: status`)
    const body = res.json()
    t.equal(body.error.code, code, `${status}: ${code}`)
    t.strictSame(Object.keys(body), ['success', 'error', 'meta'])
    if (status >= 500) {
      t.equal(body.error.message, messageOf(code), `${status}: a 5xx says the document's Message`)
      t.notMatch(res.body, 'secret-token-123', `${status}: not the thrown message`)
    }
  }
})

// ---------------------------------------------------------------------------
// (e) the JSON examples of seed 002
// ---------------------------------------------------------------------------

t.test('example: the error format, reproduced byte for byte', async t => {
  t.strictSame(formatExample, {
    success: false,
    error: {
      code: 'ERROR_CODE',
      message: 'Human-readable error message',
      details: { field: 'specific_field_name', issue: 'detailed_issue_description' }
    },
    meta: { request_id: 'req_1234567890', timestamp: '2024-01-01T00:00:00Z' }
  })
  const app = await build(t, {
    requestId: 'req_1234567890',
    plugin: { preset: 'genai', errors: defineErrors({ ERROR_CODE: { status: 400, message: 'Human-readable error message' } }) }
  })
  app.get('/', async () => {
    throw new ApiError('ERROR_CODE', { details: { field: 'specific_field_name', issue: 'detailed_issue_description' } })
  })
  const res = await app.inject('/')
  t.equal(res.statusCode, 400)
  t.equal(res.body, JSON.stringify(formatExample), 'same members in the same order')
  t.equal(res.headers['x-request-id'], 'req_1234567890')
  t.matchSnapshot(res.json(), 'error format')
})

t.test('example: the error format, from a real validation failure', async t => {
  const app = await build(t, { requestId: 'req_1234567890', plugin: { preset: 'genai' } })
  app.post('/v1/generate', {
    schema: { body: { type: 'object', required: ['specific_field_name'], properties: { specific_field_name: { type: 'string' } } } }
  }, async () => ({ ok: true }))
  const res = await app.inject({ method: 'POST', url: '/v1/generate', payload: {} })
  t.equal(res.statusCode, 400)
  const body = res.json()
  t.strictSame(shapeOf(body), shapeOf(formatExample), 'the example\'s members and nesting, no more')
  t.strictSame(body, {
    ...formatExample,
    error: {
      code: 'MISSING_REQUIRED_FIELD',
      message: 'Required field is missing',
      details: { field: 'specific_field_name', issue: body.error.details.issue }
    }
  }, 'the example with a real code in place of its placeholders')
  t.match(body.error.details.issue, /required/)
  t.matchSnapshot(body, 'missing field, in the example\'s shape')
})

t.test('example: Request ID', async t => {
  t.strictSame(requestIdExample, {
    error: { code: 'INVALID_REQUEST', message: 'The request was invalid' },
    meta: { request_id: 'req_1234567890' }
  })
  const app = await build(t, { requestId: 'req_1234567890', plugin: { preset: 'genai' } })
  app.get('/', async () => { throw presets.genai.errors.INVALID_REQUEST() })
  const res = await app.inject('/')
  t.equal(res.statusCode, 400)
  const body = res.json()
  // The snippet shows only what it is about (error and meta.request_id); the full
  // body is the documented format, so it is a superset: plus success and meta.timestamp.
  t.strictSame(body.error, requestIdExample.error)
  t.equal(body.meta.request_id, requestIdExample.meta.request_id)
  t.has(body, requestIdExample)
  t.strictSame(body, {
    success: false,
    ...requestIdExample,
    meta: { ...requestIdExample.meta, timestamp: fixedTimestamp }
  })
  t.equal(res.headers['x-request-id'], 'req_1234567890')
  t.matchSnapshot(body, 'Request ID')
})
