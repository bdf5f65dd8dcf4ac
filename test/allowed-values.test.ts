import t from 'tap'
import type { FastifyInstance, FastifySchema, FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify'
import { Type, TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox'
import { Kind, Type as Type034, TypeRegistry, type TSchema } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import type { PresetName } from '../src/index.js'
import { allowedPhrase, collapseUnions } from '../src/allowed-values.js'
import { build, type Teardown } from './helper.js'

// A value outside a list gets the list in its issue text: "Field 'size' must be one of 'a', 'b'",
// whether the schema says `enum` or is a TypeBox union of literals (Ajv: one `const` per branch + `anyOf`).

const presetNames: PresetName[] = ['aitbc', 'genai', 'sessions', 'tokenbay', 'problem']
const expected = "Field 'size' must be one of 'small', 'large'"

/** Where each preset's body says what is wrong with the request: its message, or genai's details.issue. */
function issueText (preset: PresetName, body: any): unknown {
  switch (preset) {
    case 'aitbc': return body.detail
    case 'genai': return body.error.details.issue
    case 'sessions': return body.error.details.issue
    case 'tokenbay': return body.error.message
    case 'problem': return body.detail
  }
}

async function sizeApp (t: Teardown, preset: PresetName, allErrors = false): Promise<FastifyInstance> {
  const app = await build(t, { plugin: { preset }, server: { ajv: { customOptions: { allErrors } } } })
  app.post('/union', { schema: { body: Type.Object({ size: Type.Union([Type.Literal('small'), Type.Literal('large')]) }) } }, async () => 'ok')
  app.post('/enum', { schema: { body: { type: 'object', properties: { size: { type: 'string', enum: ['small', 'large'] } } } } }, async () => 'ok')
  app.post('/typebox-enum', { schema: { body: Type.Object({ size: Type.Enum({ S: 'small', L: 'large' }) }) } }, async () => 'ok')
  return app
}

for (const preset of presetNames) {
  t.test(`${preset}: a value outside a TypeBox union of literals or an enum names the allowed values`, async t => {
    for (const allErrors of [false, true]) {
      const app = await sizeApp(t, preset, allErrors)
      for (const url of ['/union', '/enum', '/typebox-enum']) {
        const res = await app.inject({ method: 'POST', url, payload: { size: 'medium' } })
        const body = res.json()
        t.equal(issueText(preset, body), expected, `${url}, allErrors ${String(allErrors)}`)
        if (preset === 'problem') {
          t.same(body.errors, [{ detail: expected, code: 'VALIDATION_FAILED', field: 'size', pointer: '#/size' }], `${url}: one violation, not one per branch`)
        }
      }
    }
  })
}

t.test('TypeBoxValidatorCompiler (typebox 1.x, Ajv-shaped errors) names the allowed values too', async t => {
  const app = await build(t, { plugin: { preset: 'aitbc' } })
  app.post('/', {
    schema: { body: Type.Object({ size: Type.Union([Type.Literal('small'), Type.Literal('large')]) }) },
    validatorCompiler: TypeBoxValidatorCompiler
  }, async () => 'ok')
  const body = (await app.inject({ method: 'POST', url: '/', payload: { size: 'medium' } })).json()
  t.match(body, { detail: expected, error_code: 'VALIDATION_OUT_OF_RANGE', field: 'size' })
})

t.test('a field rule on enum still applies to a union of literals (aitbc model → VALIDATION_INVALID_MODEL)', async t => {
  const app = await build(t, { plugin: { preset: 'aitbc' } })
  app.post('/', { schema: { body: Type.Object({ model: Type.Union([Type.Literal('llama-3'), Type.Literal('mistral-7b')]) }) } }, async () => 'ok')
  const body = (await app.inject({ method: 'POST', url: '/', payload: { model: 'gpt' } })).json()
  t.match(body, { detail: "Field 'model' must be one of 'llama-3', 'mistral-7b'", error_code: 'VALIDATION_INVALID_MODEL', field: 'model' })
})

t.test('a single const, numbers and null; long lists end with …', async t => {
  const app = await build(t, { plugin: { preset: 'aitbc' } })
  app.post('/', {
    schema: { body: { type: 'object', properties: { v: { const: 'v1' }, n: { enum: [1, 2, null] }, many: { enum: Array.from({ length: 25 }, (_, i) => `v${i}`) } } } }
  }, async () => 'ok')
  const detail = async (payload: Record<string, unknown>): Promise<string> => (await app.inject({ method: 'POST', url: '/', payload })).json().detail
  t.equal(await detail({ v: 'v2' }), "Field 'v' must be equal to 'v1'")
  t.equal(await detail({ n: 3 }), "Field 'n' must be one of 1, 2, null")
  t.match(await detail({ many: 'x' }), /^Field 'many' must be one of 'v0', 'v1', .*'v19', …$/)
  t.equal(allowedPhrase(['x'.repeat(100)]), `must be equal to '${'x'.repeat(62)}…`, 'one long value is cut')
})

t.test('a union whose branches failed on other keywords is left as Ajv said it', async t => {
  const app = await build(t, { plugin: { preset: 'aitbc' } })
  app.post('/', { schema: { body: Type.Object({ id: Type.Union([Type.String({ pattern: '^a' }), Type.Integer()]) }) } }, async () => 'ok')
  const body = (await app.inject({ method: 'POST', url: '/', payload: { id: 'b' } })).json()
  t.equal(body.field, 'id')
  t.notMatch(body.detail, /one of/)
  const items = [
    { keyword: 'pattern', instancePath: '/id', schemaPath: '#/properties/id/anyOf/0/pattern', params: {}, message: 'must match' },
    { keyword: 'type', instancePath: '/id', schemaPath: '#/properties/id/anyOf/1/type', params: {}, message: 'must be integer' },
    { keyword: 'anyOf', instancePath: '/id', schemaPath: '#/properties/id/anyOf', params: {}, message: 'must match a schema in anyOf' }
  ]
  t.same(collapseUnions(items), items)
})

t.test('nested unions of literals collapse into one list', async t => {
  const items = collapseUnions([
    { keyword: 'const', instancePath: '/s', schemaPath: '#/anyOf/0/anyOf/0/const', params: { allowedValue: 'a' } },
    { keyword: 'const', instancePath: '/s', schemaPath: '#/anyOf/0/anyOf/1/const', params: { allowedValue: 'b' } },
    { keyword: 'anyOf', instancePath: '/s', schemaPath: '#/anyOf/0/anyOf', params: {} },
    { keyword: 'enum', instancePath: '/s', schemaPath: '#/anyOf/1/enum', params: { allowedValues: ['c', 'a'] } },
    { keyword: 'anyOf', instancePath: '/s', schemaPath: '#/anyOf', params: {} }
  ])
  t.match(items, [{ keyword: 'enum', instancePath: '/s', params: { allowedValues: ['a', 'b', 'c'] } }])
  t.equal(items.length, 1)
})

/**
 * The validator compiler of `@sinclair/typebox`'s TypeCompiler, as `@fastify/type-provider-typebox`
 * v5 wired it (and as apps on TypeBox 0.34 still do): its errors have no Ajv keyword, a union's
 * says only "Expected union value" and carries the union's schema.
 */
const typeCompiler: FastifySchemaCompiler<TSchema> = ({ schema }) => {
  const check = TypeCompiler.Compile(schema)
  return (value: unknown) => check.Check(value) ? { value } : { error: [...check.Errors(value)] as unknown as FastifySchemaValidationError[] }
}

// TypeBox's own recipe for a string enum (its readme, "TypeRegistry"): a schema with `enum`, checked by a registered kind.
TypeRegistry.Set('StringEnum', (schema: { enum: string[] }, value) => typeof value === 'string' && schema.enum.includes(value))
const StringEnum = (values: string[]): TSchema => Type034.Unsafe<string>({ [Kind]: 'StringEnum', type: 'string', enum: values })

t.test('the TypeBox 0.34 compiler\'s "Expected union value" names the allowed values, nested unions and enums included', async t => {
  const app = await build(t, { plugin: { preset: 'aitbc' } })
  app.post('/', {
    schema: {
      body: Type034.Object({
        size: Type034.Optional(Type034.Union([Type034.Literal('small'), Type034.Literal('large')])),
        level: Type034.Optional(Type034.Enum({ Low: 1, High: 2 })),
        tier: Type034.Optional(Type034.Union([Type034.Literal('free'), Type034.Union([Type034.Literal('pro'), StringEnum(['team', 'corp'])])])),
        id: Type034.Optional(Type034.Union([Type034.Literal('a'), Type034.Null()]))
      })
    },
    validatorCompiler: typeCompiler as unknown as FastifySchemaCompiler<FastifySchema>
  }, async () => 'ok')
  const body = async (payload: Record<string, unknown>): Promise<any> => (await app.inject({ method: 'POST', url: '/', payload })).json()
  t.match(await body({ size: 'medium' }), { detail: expected, error_code: 'VALIDATION_OUT_OF_RANGE', field: 'size' })
  t.match(await body({ level: 3 }), { detail: "Field 'level' must be one of 1, 2", error_code: 'VALIDATION_OUT_OF_RANGE', field: 'level' })
  t.match(await body({ tier: 'gold' }), { detail: "Field 'tier' must be one of 'free', 'pro', 'team', 'corp'", field: 'tier' }, 'a nested union and an enum branch')
  t.match(await body({ id: 'b' }), { detail: "Field 'id': Expected union value", field: 'id' }, 'a union with a branch that is not a literal keeps the validator\'s words')
})

t.test('allowed values JSON cannot write (a BigInt, undefined, a throwing toJSON) are shown as text, not a crash', async t => {
  const app = await build(t, { plugin: { preset: 'aitbc' } })
  const odd = { toJSON () { throw new Error('no JSON for you') }, toString: () => 'odd' }
  const error = [{ keyword: 'enum', instancePath: '/n', schemaPath: '#/properties/n/enum', params: { allowedValues: [10n, undefined, odd] }, message: 'must be equal to one of the allowed values' }]
  const validatorCompiler: FastifySchemaCompiler<FastifySchema> = () => () => ({ error: error as unknown as FastifySchemaValidationError[] })
  app.post('/', { schema: { body: { type: 'object' } }, validatorCompiler }, async () => 'ok')
  const res = await app.inject({ method: 'POST', url: '/', payload: { n: 3 } })
  t.equal(res.statusCode, 422)
  t.match(res.json(), { detail: "Field 'n' must be one of 10, undefined, odd", error_code: 'VALIDATION_OUT_OF_RANGE', field: 'n' })
})

t.test('a union of objects (a tagged union) is not a union of literals: its branches\' errors are deeper than the union', async t => {
  const app = await build(t, { plugin: { preset: 'aitbc' } })
  const shape = (kind: string): object => ({ type: 'object', required: ['kind'], properties: { kind: { const: kind } } })
  app.post('/', { schema: { body: { type: 'object', properties: { v: { anyOf: [shape('a'), shape('b')] } } } } }, async () => 'ok')
  const body = (await app.inject({ method: 'POST', url: '/', payload: { v: { kind: 'c' } } })).json()
  t.equal(body.field, 'v.kind')
  t.notMatch(body.detail, /one of/, 'the union at v is not collapsed into the values of v.kind')
})

t.test('a validator\'s union whose branches are not all schemas keeps the validator\'s words', async t => {
  const app = await build(t, { plugin: { preset: 'aitbc' } })
  const error = [{ message: 'Expected union value', path: '/size', schema: { anyOf: [{ const: 'small' }, null] } }]
  const validatorCompiler: FastifySchemaCompiler<FastifySchema> = () => () => ({ error: error as unknown as FastifySchemaValidationError[] })
  app.post('/', { schema: { body: { type: 'object' } }, validatorCompiler }, async () => 'ok')
  t.match((await app.inject({ method: 'POST', url: '/', payload: { size: 'x' } })).json(), { detail: "Field 'size': Expected union value", field: 'size' })
})
