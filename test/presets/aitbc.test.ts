import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { ApiError, defineErrors, presets, type ApiErrorOptions } from '../../src/index.js'
import { build } from '../helper.js'

// ---------------------------------------------------------------------------
// Seed 001, parsed at test time: the document is the source of truth.
// ---------------------------------------------------------------------------

// A copy of shared/seeds/ kept with the tests, so that a clone can run them on its own.
const seedDir = fileURLToPath(new URL('../fixtures/seeds/', import.meta.url))
if (!existsSync(seedDir)) {
  throw new Error(`seed folder ${seedDir} is missing: these tests check the aitbc preset against its seed 001_*.txt`)
}
const seedName = readdirSync(seedDir).find(name => name.startsWith('001_'))
if (seedName === undefined) throw new Error(`no 001_*.txt seed in ${seedDir}`)

// The page's text has each Markdown line followed by lines holding only `|`; drop those.
const lines = readFileSync(seedDir + seedName, 'utf8').split('\n').filter(line => line.trim() !== '|')

interface Table { section: string, subsection: string, header: string[], rows: string[][] }
interface JsonExample { section: string, subsection: string, body: Record<string, unknown> }

const cells = (line: string): string[] => line.trim().split('|').slice(1, -1).map(c => c.trim().replace(/^`(.*)`$/, '$1'))

const tables: Table[] = []
const examples: JsonExample[] = []
let section = ''
let subsection = ''
for (let i = 0; i < lines.length; i++) {
  const line = lines[i] as string
  if (line.startsWith('## ')) {
    section = line.slice(3).trim()
    subsection = ''
  } else if (line.startsWith('### ')) {
    subsection = line.slice(4).trim()
  } else if (line.trim() === '```json') {
    const json: string[] = []
    while (++i < lines.length && (lines[i] as string).trim() !== '```') json.push(lines[i] as string)
    examples.push({ section, subsection, body: JSON.parse(json.join('\n')) })
  } else if (line.startsWith('| ') && (lines[i + 1] ?? '').startsWith('|--')) {
    const header = cells(line)
    const rows: string[][] = []
    i += 2
    while (i < lines.length && (lines[i] as string).startsWith('| ')) rows.push(cells(lines[i++] as string))
    i--
    tables.push({ section, subsection, header, rows })
  }
}

const categoryTables = tables.filter(table => table.section === 'Error Codes by Category')
const referenceTable = tables.find(table => table.section === 'Error Code Reference Table')
if (categoryTables.length === 0 || referenceTable === undefined) throw new Error(`could not find the code tables of ${seedName}`)

interface SeedCode { code: string, status: number, description: string, resolution: string, subsection: string }
const seedCodes: SeedCode[] = categoryTables.flatMap(table => {
  t.strictSame(table.header, ['Code', 'HTTP', 'Description', 'Resolution'], `columns of "${table.subsection}"`)
  return table.rows.map(([code, status, description, resolution]) => ({
    code: code as string,
    status: Number(status),
    description: description as string,
    resolution: resolution as string,
    subsection: table.subsection
  }))
})
const reference = referenceTable.rows.map(([code, status, category, retryable]) => ({
  code: code as string, status: Number(status), category: category as string, retryable: retryable === 'Yes'
}))

// A category table ("Authentication Errors (AUTH_*)") is named by the reference table's Category of its codes.
function categoryOf (sub: string): string {
  const inSection = seedCodes.filter(c => c.subsection === sub).map(c => c.code)
  const categories = new Set(reference.filter(r => inSection.includes(r.code)).map(r => r.category))
  if (categories.size !== 1) throw new Error(`section "${sub}" has no single category in the reference table`)
  return [...categories][0] as string
}

function example (code: string): Record<string, unknown> {
  const found = examples.find(e => e.body.error_code === code)
  if (found === undefined) throw new Error(`seed 001 has no JSON example for ${code}`)
  return found.body
}

type Factory = (opts?: ApiErrorOptions) => ApiError
const factories = presets.aitbc.errors as unknown as Record<string, Factory>

// ---------------------------------------------------------------------------
// (a) the code table
// ---------------------------------------------------------------------------

t.test('the seed parsed into its tables and examples', async t => {
  t.equal(categoryTables.length, 8, 'eight category tables (AUTH … SYSTEM)')
  t.equal(seedCodes.length, 31)
  t.equal(reference.length, 22)
  t.equal(examples.length, 5)
})

t.test('presets.aitbc.codes holds every code of every category table', async t => {
  const byCode = new Map(presets.aitbc.codes.map(row => [row.code, row]))
  for (const seed of seedCodes) {
    const row = byCode.get(seed.code)
    if (row === undefined) {
      t.fail(`${seed.code} is missing from presets.aitbc.codes`)
      continue
    }
    t.equal(row.status, seed.status, `${seed.code} status`)
    t.equal(row.message, seed.description, `${seed.code} message is its Description`)
    t.equal(row.category, categoryOf(seed.subsection), `${seed.code} category`)
    t.equal(row.resolution, seed.resolution, `${seed.code} resolution`)
  }
  t.strictSame(presets.aitbc.codes.map(row => row.code).sort(), seedCodes.map(c => c.code).sort(),
    'and no code the document does not list')
})

t.test('every code of the reference table has its status, category and retryability', async t => {
  const byCode = new Map(presets.aitbc.codes.map(row => [row.code, row]))
  for (const ref of reference) {
    const row = byCode.get(ref.code)
    t.ok(row, `${ref.code} is in presets.aitbc.codes`)
    t.match(row, { status: ref.status, category: ref.category, retryable: ref.retryable }, ref.code)
  }
})

// ---------------------------------------------------------------------------
// (b) every code over HTTP
// ---------------------------------------------------------------------------

t.test('every aitbc code answers its documented status and the flat body', async t => {
  const app = await build(t)
  app.get<{ Params: { code: string }, Querystring: { retry?: string } }>('/throw/:code', async request => {
    const factory = factories[request.params.code] as Factory
    throw request.query.retry === undefined ? factory() : factory({ retryAfter: Number(request.query.retry) })
  })

  for (const row of presets.aitbc.codes) {
    const seed = seedCodes.find(c => c.code === row.code) as SeedCode
    const res = await app.inject(`/throw/${row.code}`)
    const body = res.json()
    t.equal(res.statusCode, seed.status, `${row.code} status`)
    t.strictSame(Object.keys(body).sort(), ['detail', 'error_code', 'request_id'], `${row.code} members`)
    t.equal(body.error_code, row.code)
    if (seed.status < 500) t.equal(body.detail, seed.description, `${row.code} detail is its Description`)
    else t.ok(typeof body.detail === 'string' && body.detail.length > 0, `${row.code} detail is a message`)
    t.match(body.request_id, /^req_[0-9a-f]{32}$/)
    t.equal(res.headers['x-request-id'], body.request_id, `${row.code} X-Request-Id equals request_id`)
    t.notOk('retry-after' in res.headers, `${row.code} no Retry-After without retryAfter`)

    const retried = await app.inject(`/throw/${row.code}?retry=30`)
    const retriedBody = retried.json()
    t.equal(retried.statusCode, seed.status)
    t.strictSame(Object.keys(retriedBody).sort(), ['detail', 'error_code', 'request_id', 'retry_after'], `${row.code} members with retryAfter`)
    t.equal(retriedBody.retry_after, 30)
    t.equal(retried.headers['retry-after'], '30')
    t.equal(retried.headers['x-request-id'], retriedBody.request_id)
  }
})

t.test('a valid incoming X-Request-Id is the body\'s request_id', async t => {
  const app = await build(t)
  app.get('/', async () => { throw presets.aitbc.errors.JOB_EXPIRED() })
  const res = await app.inject({ url: '/', headers: { 'x-request-id': 'client-id-1' } })
  t.equal(res.json().request_id, 'client-id-1')
  t.equal(res.headers['x-request-id'], 'client-id-1')
})

// ---------------------------------------------------------------------------
// (c) the JSON examples of seed 001, reproduced by the plugin
// ---------------------------------------------------------------------------

const requestId = 'req-abc123'

t.test('example: the error response format', async t => {
  const seed = examples.find(e => e.section === 'Error Response Format')?.body
  t.strictSame(seed, { detail: 'Human-readable error message', error_code: 'ERROR_CODE', request_id: 'req-abc123' })
  const app = await build(t, {
    requestId,
    plugin: { errors: defineErrors({ ERROR_CODE: { status: 400, message: 'Human-readable error message' } }) }
  })
  app.get('/', async () => { throw new ApiError('ERROR_CODE') })
  const res = await app.inject('/')
  t.equal(res.statusCode, 400)
  t.strictSame(res.json(), seed)
  t.equal(res.headers['x-request-id'], requestId)
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
  t.matchSnapshot(res.json(), 'error response format')
})

t.test('example: AUTH_MISSING_KEY', async t => {
  const seed = example('AUTH_MISSING_KEY')
  const app = await build(t, { requestId })
  app.get('/', async () => { throw presets.aitbc.errors.AUTH_MISSING_KEY({ message: seed.detail as string }) })
  const res = await app.inject('/')
  t.equal(res.statusCode, 401)
  t.strictSame(res.json(), { ...seed, request_id: requestId })
  t.equal(res.headers['x-request-id'], requestId)
  t.matchSnapshot(res.json(), 'AUTH_MISSING_KEY')
})

t.test('example: JOB_NOT_FOUND from a defineErrors template', async t => {
  const seed = example('JOB_NOT_FOUND')
  const errors = defineErrors({
    JOB_NOT_FOUND: { status: 404, message: 'Job {job_id} not found', retryable: false, category: 'Job' }
  })
  const app = await build(t, { requestId, plugin: { errors } })
  app.get<{ Params: { id: string } }>('/jobs/:id', async request => {
    throw errors.JOB_NOT_FOUND({ job_id: request.params.id })
  })
  const res = await app.inject('/jobs/job-abc123')
  t.equal(res.statusCode, 404)
  t.strictSame(res.json(), { ...seed, request_id: requestId })
  t.matchSnapshot(res.json(), 'JOB_NOT_FOUND (template)')
})

t.test('example: JOB_NOT_FOUND from new ApiError with a message', async t => {
  const seed = example('JOB_NOT_FOUND')
  const app = await build(t, { requestId })
  app.get('/', async () => { throw new ApiError('JOB_NOT_FOUND', { message: 'Job job-abc123 not found' }) })
  const res = await app.inject('/')
  t.equal(res.statusCode, 404)
  t.strictSame(res.json(), { ...seed, request_id: requestId })
  t.matchSnapshot(res.json(), 'JOB_NOT_FOUND (ApiError)')
})

t.test('example: VALIDATION_MISSING_FIELD from a schema-validation failure', async t => {
  const seed = example('VALIDATION_MISSING_FIELD')
  t.strictSame(seed, { detail: "Field 'prompt' is required", error_code: 'VALIDATION_MISSING_FIELD', field: 'prompt' })
  const app = await build(t, { requestId })
  app.post('/jobs', {
    schema: {
      body: {
        type: 'object',
        required: ['prompt'],
        properties: { prompt: { type: 'string' }, model: { type: 'string' } }
      }
    }
  }, async () => ({ ok: true }))
  const res = await app.inject({ method: 'POST', url: '/jobs', payload: { model: 'llama' } })
  t.equal(res.statusCode, 422)
  t.strictSame(res.json(), { ...seed, request_id: requestId })
  t.equal(res.headers['x-request-id'], requestId)
  t.matchSnapshot(res.json(), 'VALIDATION_MISSING_FIELD')
})

t.test('example: RATE_LIMIT_EXCEEDED with retryAfter', async t => {
  const seed = example('RATE_LIMIT_EXCEEDED')
  t.strictSame(seed, { detail: 'Rate limit exceeded. Retry after 60 seconds', error_code: 'RATE_LIMIT_EXCEEDED', retry_after: 60 })
  const app = await build(t, { requestId })
  app.get('/', async () => { throw presets.aitbc.errors.RATE_LIMIT_EXCEEDED({ retryAfter: 60 }) })
  const res = await app.inject('/')
  t.equal(res.statusCode, 429)
  t.strictSame(res.json(), { ...seed, request_id: requestId })
  t.equal(res.headers['retry-after'], '60')
  t.equal(res.headers['x-request-id'], requestId)
  t.matchSnapshot(res.json(), 'RATE_LIMIT_EXCEEDED')
})
