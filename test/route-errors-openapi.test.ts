import SwaggerParser from '@apidevtools/swagger-parser'
import rateLimit from '@fastify/rate-limit'
import swagger from '@fastify/swagger'
import Fastify, { type FastifyInstance } from 'fastify'
import t from 'tap'
import errorEnvelope, { ApiError, defineErrors, presets, type ErrorEnvelopeOptions, type PresetName } from '../src/index.js'
import { resolveOptions } from '../src/options.js'
import { exampleRequestId } from '../src/route-errors-openapi.js'
import { testPluginOptions, testServerOptions } from '../src/testing.js'

// The rule: a route's error examples are what a request to it answers, with the request id and
// time as placeholders. The app's ids and clock are fixed to those placeholders, so they compare whole.

const names = Object.keys(presets) as PresetName[]
type Doc = Record<string, any>

/** Up to `count` codes of the preset's catalog, of as many different statuses as it has. */
function someCodes (name: PresetName, count: number): string[] {
  const catalog = resolveOptions({ preset: name }).catalog
  const byStatus = new Map<number, string[]>()
  for (const [code, entry] of catalog) byStatus.set(entry.status, [...byStatus.get(entry.status) ?? [], code])
  const picked: string[] = []
  for (let round = 0; picked.length < count && round < 5; round++) {
    for (const codes of byStatus.values()) if (codes[round] !== undefined && picked.length < count) picked.push(codes[round] as string)
  }
  return picked
}

async function app (t: { teardown: (fn: () => unknown) => void }, plugin: ErrorEnvelopeOptions, openapi = '3.0.3', server: object = {}): Promise<FastifyInstance> {
  const instance = Fastify({ ...testServerOptions({ requestId: exampleRequestId }), ...server })
  t.teardown(() => instance.close())
  await instance.register(swagger, { openapi: { openapi, info: { title: 'Route errors', version: '1.0.0' } } })
  await instance.register(errorEnvelope, { ...testPluginOptions(), ...plugin })
  return instance
}

/** The examples of every error response of an operation: `status code` → [status, media type, body]. */
function examplesOf (operation: Doc): Map<string, [string, string, unknown]> {
  const found = new Map<string, [string, string, unknown]>()
  for (const [status, response] of Object.entries(operation.responses as Doc)) {
    for (const [media, content] of Object.entries((response.content ?? {}) as Doc)) {
      for (const [code, example] of Object.entries((content.examples ?? {}) as Doc)) found.set(`${status} ${code}`, [status, media, example.value])
    }
  }
  return found
}

t.test('every preset: the document validates as OpenAPI 3.0 and 3.1, and each declared code\'s example is what the route answers', async t => {
  for (const name of names) {
    for (const openapi of ['3.0.3', '3.1.0']) {
      const codes = someCodes(name, 6)
      const a = await app(t, { preset: name }, openapi)
      const factories = defineErrors(Object.fromEntries(resolveOptions({ preset: name }).catalog)) as Record<string, () => ApiError>
      a.get<{ Querystring: { code: string } }>('/v1/things', { config: { errors: codes } }, async request => {
        throw (factories[request.query.code] as () => ApiError)()
      })
      await a.ready()
      const doc = a.swagger() as Doc
      await t.resolves(SwaggerParser.validate(structuredClone(doc) as never), `${name} ${openapi}: valid`)
      const examples = examplesOf(doc.paths['/v1/things'].get)
      for (const code of codes) {
        const res = await a.inject(`/v1/things?code=${code}`)
        const example = examples.get(`${res.statusCode} ${code}`)
        t.ok(example, `${name}: ${code} has an example`)
        if (example === undefined) continue
        const [status, media] = example
        t.equal(status, String(res.statusCode), `${name} ${code}: under its status`)
        t.equal(media, (res.headers['content-type'] as string).split(';')[0], `${name} ${code}: under the content type it is sent with`)
        t.same(example[2], res.json(), `${name} ${code}: the example is the body`)
      }
    }
  }
})

t.test('every preset: the conditions\' examples are what the route answers when it meets them', async t => {
  for (const name of names) {
    const a = await app(t, { preset: name }, '3.1.0', { bodyLimit: 64 })
    a.post('/v1/things', {
      config: { errors: [] },
      schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } }
    }, async request => {
      if ((request.body as { name: string }).name === 'boom') throw new Error('database password is hunter2')
      return { ok: true }
    })
    await a.ready()
    const doc = a.swagger() as Doc
    await t.resolves(SwaggerParser.validate(structuredClone(doc) as never), `${name}: valid`)
    const operation = doc.paths['/v1/things'].post
    const examples = examplesOf(operation)
    const json = { 'content-type': 'application/json' }
    const requests = {
      'missing field': { payload: '{}', headers: json },
      'malformed JSON': { payload: '{"name":', headers: json },
      'empty JSON body': { payload: '', headers: json },
      'unsupported media type': { payload: '<name/>', headers: { 'content-type': 'application/xml' } },
      'too large': { payload: JSON.stringify({ name: 'x'.repeat(100) }), headers: json },
      internal: { payload: '{"name":"boom"}', headers: json }
    }
    // One example per code and status: several conditions of one code (malformed and empty JSON) show the first.
    const compared = new Set<string>()
    for (const [what, request] of Object.entries(requests)) {
      const res = await a.inject({ method: 'POST', url: '/v1/things', ...request })
      const key = `${res.statusCode} ${codeOf(res.json())}`
      const example = examples.get(key)
      t.ok(example, `${name} ${what}: ${key} is documented`)
      if (example === undefined || compared.has(key)) continue
      compared.add(key)
      t.equal(example[1], (res.headers['content-type'] as string).split(';')[0], `${name} ${what}: under its content type`)
      t.same(example[2], res.json(), `${name} ${what}: the example is the body`)
    }
  }
})

/** The code of a body of any format. */
function codeOf (body: Doc): string {
  return body.error_code ?? body.error?.code ?? body.code
}

t.test('a field with a rule of its own: each rule the route\'s schema can meet is documented, and its example is the answer', async t => {
  // The presets' field rules (aitbc, genai, tokenbay) and a user's own (`validation.fieldRules`) on problem.
  const cases: Array<[PresetName, Pick<ErrorEnvelopeOptions, 'validation' | 'errors'>]> = [
    ['aitbc', {}], ['genai', {}], ['tokenbay', {}],
    ['problem', { errors: { UNKNOWN_MODEL: { status: 422, message: 'No such model' } }, validation: { fieldRules: { model: { enum: 'UNKNOWN_MODEL' } } } }]
  ]
  const body = {
    type: 'object',
    properties: {
      prompt: { type: 'string', maxLength: 5 },
      temperature: { type: 'number', maximum: 2 },
      model: { type: 'string', enum: ['m-1', 'm-2'] },
      // A union of literals, as TypeBox writes an enum.
      quality: { anyOf: [{ const: 'standard' }, { const: 'hd' }] }
    }
  }
  const bad = { prompt: { prompt: 'x'.repeat(10) }, temperature: { temperature: 5 }, model: { model: 'gpt-9' }, quality: { quality: 'ultra' } }
  for (const [name, options] of cases) {
    const a = await app(t, { preset: name, ...options })
    a.post('/v1/things', { config: { errors: [] }, schema: { body } }, async () => ({ ok: true }))
    await a.ready()
    const examples = examplesOf((a.swagger() as Doc).paths['/v1/things'].post)
    const rules = resolveOptions({ preset: name, ...options }).fieldRules
    for (const [field, payload] of Object.entries(bad)) {
      if (!Object.hasOwn(rules, field)) continue
      const res = await a.inject({ method: 'POST', url: '/v1/things', payload })
      const key = `${res.statusCode} ${codeOf(res.json())}`
      const example = examples.get(key)
      t.ok(example, `${name} ${field}: ${key} is documented`)
      if (example !== undefined) t.same(example[2], res.json(), `${name} ${field}: the example is the body`)
    }
  }
})

t.test('field rules of every keyword the examples know: each example is what the route answers', async t => {
  const errors = {
    BAD_SEED: { status: 422, message: 'Bad seed' },
    BAD_TOP_P: { status: 422, message: 'Bad top_p' },
    BAD_NAME: { status: 422, message: 'Bad name' },
    BAD_KIND: { status: 422, message: 'Bad kind' },
    BAD_COUNT: { status: 422, message: 'Bad count' },
    BAD_FLAG: { status: 422, message: 'Bad flag' },
    BAD_TAG: { status: 422, message: 'Bad tag' },
    BAD_ABSENT: { status: 422, message: 'Bad absent' },
    BAD_MIXED: { status: 422, message: 'Bad mixed' },
    BAD_MIXED_ENUM: { status: 422, message: 'Bad mixed enum' }
  }
  const fieldRules = {
    seed: { const: 'BAD_SEED' },
    top_p: { '*': 'BAD_TOP_P' },
    name: { '*': 'BAD_NAME' },
    // Two rules of one code: listed once.
    kind: { enum: 'BAD_KIND', '*': 'BAD_KIND' },
    count: { '*': 'BAD_COUNT' },
    flag: { '*': 'BAD_FLAG' },
    tag: { pattern: 'BAD_TAG' },
    absent: { '*': 'BAD_ABSENT' },
    // A union with a branch that is no literal is no enum: an `enum` rule never applies, a `*` rule does.
    mixed: { '*': 'BAD_MIXED' },
    mixedEnum: { enum: 'BAD_MIXED_ENUM' }
  }
  const body = {
    type: 'object',
    properties: {
      seed: { const: 42 },
      top_p: { type: 'number', minimum: 0 },
      name: { type: 'string', minLength: 3 },
      kind: { oneOf: [{ const: 'a' }, { const: 'b' }] },
      count: { type: 'integer' },
      flag: { not: { const: 'x' } },
      tag: { type: 'string', pattern: '^t' },
      mixed: { anyOf: [{ const: 'a' }, { type: 'number' }] },
      mixedEnum: { anyOf: [{ const: 'a' }, { type: 'number' }] }
    }
  }
  const bad: Record<string, object> = { seed: { seed: 7 }, top_p: { top_p: -1 }, name: { name: 'ab' }, kind: { kind: 'c' }, count: { count: 'many' }, flag: { flag: 'x' }, tag: { tag: 'x' } }
  const a = await app(t, { preset: 'problem', errors, validation: { fieldRules } })
  a.post('/v1/things', { config: { errors: [] }, schema: { body } }, async () => ({ ok: true }))
  await a.ready()
  const examples = examplesOf((a.swagger() as Doc).paths['/v1/things'].post)
  t.notOk(examples.has('422 BAD_ABSENT'), 'a rule for a field the schema does not have is not listed')
  t.ok(examples.has('422 BAD_MIXED'), 'a * rule on a union that is no enum is listed')
  t.notOk(examples.has('422 BAD_MIXED_ENUM'), 'an enum rule on a union that is no enum is not')
  for (const [field, payload] of Object.entries(bad)) {
    const res = await a.inject({ method: 'POST', url: '/v1/things', payload })
    const key = `${res.statusCode} ${codeOf(res.json())}`
    const example = examples.get(key)
    t.ok(example, `${field}: ${key} is documented`)
    // A keyword the examples do not word (`not`, `pattern`) is documented by its code, with Ajv's generic words.
    if (example !== undefined && field !== 'flag' && field !== 'tag') t.same(example[2], res.json(), `${field}: the example is the body`)
  }
})

t.test('a user\'s rules on every keyword the examples know, on a body and on a query (`schema.query`): each example is the answer', async t => {
  const errors = Object.fromEntries(['BAD_COUNT', 'BAD_VERSION', 'BAD_NAME', 'BAD_TIER', 'BAD_MODE', 'BAD_LIMIT'].map(code => [code, { status: 422, message: `No good: ${code}` }]))
  const fieldRules = {
    count: { minimum: 'BAD_COUNT' },
    version: { const: 'BAD_VERSION' },
    name: { minLength: 'BAD_NAME' },
    // `*` on a union of literals is its enum; on anything else, the first keyword the property has.
    tier: { '*': 'BAD_TIER' },
    mode: { '*': 'BAD_MODE' },
    limit: { maximum: 'BAD_LIMIT' }
  }
  const a = await app(t, { preset: 'problem', errors, validation: { fieldRules } })
  a.post('/v1/things', {
    config: { errors: [] },
    schema: {
      body: {
        type: 'object',
        properties: {
          count: { type: 'integer', minimum: 1 },
          version: { const: 'v1' },
          name: { type: 'string', minLength: 3 },
          tier: { oneOf: [{ const: 'free' }, { const: 'pro' }] },
          mode: { type: 'string', maxLength: 4 }
        }
      }
    }
  }, async () => ({ ok: true }))
  // Fastify reads `query` as `querystring`; its types name only the latter.
  a.get('/v1/things', { config: { errors: [] }, schema: { query: { type: 'object', properties: { limit: { type: 'integer', maximum: 100 } } } } as never }, async () => ({ ok: true }))
  await a.ready()
  const doc = a.swagger() as Doc
  const bad: Array<[string, Record<string, unknown>]> = [['count', { count: 0 }], ['version', { version: 'v2' }], ['name', { name: 'ab' }], ['tier', { tier: 'gold' }], ['mode', { mode: 'turbo' }]]
  const posted = examplesOf(doc.paths['/v1/things'].post)
  for (const [field, payload] of bad) {
    const res = await a.inject({ method: 'POST', url: '/v1/things', payload })
    const example = posted.get(`${res.statusCode} ${codeOf(res.json())}`)
    t.ok(example, `${field}: documented`)
    t.same(example?.[2], res.json(), `${field}: the example is the body`)
  }
  const res = await a.inject('/v1/things?limit=500')
  t.equal(codeOf(res.json()), 'BAD_LIMIT')
  t.same(examplesOf(doc.paths['/v1/things'].get).get('422 BAD_LIMIT')?.[2], res.json(), 'limit (a query parameter): the example is the body')
})

t.test("a route behind the app's own @fastify/rate-limit documents its 429 only when it declares the preset's code, and that 429 is the code's envelope", async t => {
  const instance = await app(t, { preset: 'aitbc' })
  await instance.register(rateLimit, { max: 1, timeWindow: 60_000 })
  instance.get('/declared', { config: { errors: ['JOB_NOT_FOUND', 'RATE_LIMIT_EXCEEDED'] } }, async () => ({ ok: true }))
  instance.get('/silent', { config: { errors: ['JOB_NOT_FOUND'] } }, async () => ({ ok: true }))
  await instance.ready()
  const paths = (instance.swagger() as Doc).paths as Doc
  t.ok(paths['/declared'].get.responses['429'], 'declared: the 429 is documented')
  t.notOk(paths['/silent'].get.responses['429'], 'not declared: the limiter is not seen')
  t.same(examplesOf(paths['/declared'].get).get('429 RATE_LIMIT_EXCEEDED')?.[2], { detail: 'Too many requests', error_code: 'RATE_LIMIT_EXCEEDED', request_id: exampleRequestId }, 'the example is the code as a handler throws it')
  for (const url of ['/declared', '/silent']) {
    await instance.inject(url)
    const limited = await instance.inject(url)
    t.equal(limited.statusCode, 429)
    // The wait counts down from the window's 60 s: a slow machine may reach the second request a second later.
    const body = limited.json()
    t.match(body, { error_code: 'RATE_LIMIT_EXCEEDED' }, `${url}: the limiter's 429 is the code's envelope`)
    t.ok(Number.isInteger(body.retry_after) && body.retry_after > 0 && body.retry_after <= 60, `${url}: with its wait`)
    t.equal(String(body.retry_after), limited.headers['retry-after'], `${url}: the wait the header says`)
  }
})
