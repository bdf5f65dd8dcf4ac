import t from 'tap'
import { ApiError, presets, type PresetName } from '../src/index.js'
import { parseApiError } from '../src/client.js'
import type { CatalogEntry } from '../src/catalog.js'
import { build } from './helper.js'

const presetNames = Object.keys(presets) as PresetName[]

t.test("the envelope: the error's field wins over a details.field, and a lone field still gets its issue", async t => {
  const app = await build(t, { plugin: { preset: 'genai' } })
  app.get('/both', async () => { throw new ApiError('INVALID_FIELD_VALUE', { field: 'temperature', details: { field: 'other', max: 2 } }) })
  app.get('/field', async () => { throw new ApiError('INVALID_FIELD_VALUE', { field: 'temperature' }) })
  t.strictSame((await app.inject('/both')).json().error.details, { field: 'temperature', max: 2 })
  t.strictSame((await app.inject('/field')).json().error.details, { field: 'temperature', issue: 'Field value is invalid' })
})

t.test("a preset factory's field-specific code carries its catalog field; an explicit field wins", async t => {
  let checked = 0
  for (const name of presetNames) {
    const app = await build(t, { plugin: { preset: name } })
    type Factory = ((...args: unknown[]) => ApiError) & { message: string }
    const factories = presets[name].errors as unknown as Record<string, Factory>
    app.get<{ Querystring: { code: string, explicit?: string } }>('/', async request => {
      const { code, explicit } = request.query
      const factory = factories[code] as Factory
      const hasParams = /\{[^}]+\}/.test(factory.message)
      if (explicit === undefined) throw factory()
      return await Promise.reject(hasParams ? factory({}, { field: explicit }) : factory({ field: explicit }))
    })
    for (const [code, entry] of Object.entries(presets[name].catalog as Record<string, CatalogEntry>)) {
      if (entry.field === undefined) continue
      checked++
      t.equal(factories[code]?.().field, entry.field, `${name} ${code}: the error carries the field`)
      const shown = await parseApiError(await app.inject(`/?code=${code}`))
      t.equal(shown?.field, entry.field, `${name} ${code}: the body shows it`)
      const explicit = await parseApiError(await app.inject(`/?code=${code}&explicit=other_field`))
      t.equal(explicit?.field, 'other_field', `${name} ${code}: an explicit field wins`)
    }
  }
  t.ok(checked > 0, 'some preset names a field')
})

t.test('a format with a non-JSON content type and no serialize sends its text as it is', async t => {
  const app = await build(t, {
    plugin: {
      format: { contentType: 'text/plain; charset=utf-8', build: record => record.code === 'JOB_NOT_FOUND' ? `${record.code}: ${record.message}` : { code: record.code } }
    }
  })
  app.get('/text', async () => { throw new ApiError('JOB_NOT_FOUND') })
  app.get('/object', async () => { throw new ApiError('JOB_EXPIRED') })
  const text = await app.inject('/text')
  t.equal(text.headers['content-type'], 'text/plain; charset=utf-8')
  t.equal(text.body, "JOB_NOT_FOUND: Job doesn't exist", 'the string, not a JSON string')
  t.equal((await app.inject('/object')).body, '{"code":"JOB_EXPIRED"}', 'anything else as JSON')

  const json = await build(t, { plugin: { format: { contentType: 'application/vnd.api+json', build: record => record.code } } })
  json.get('/', async () => { throw new ApiError('JOB_NOT_FOUND') })
  t.equal((await json.inject('/')).body, '"JOB_NOT_FOUND"', 'a JSON content type keeps a string a JSON string')
})
