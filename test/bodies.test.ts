import t from 'tap'
import { ApiError, presets, type PresetName } from '../src/index.js'
import { parseApiError } from '../src/client.js'
import type { CatalogEntry } from '../src/catalog.js'
import { formatNames } from '../src/formats/index.js'
import { build, validators } from './helper.js'

const presetNames = Object.keys(presets) as PresetName[]

t.test('every format shows the field of an error that also has details, and keeps the details where it shows them', async t => {
  for (const format of formatNames) {
    const app = await build({ plugin: { format } })
    t.teardown(() => app.close())
    app.get('/', async () => { throw new ApiError('JOB_NOT_FOUND', { field: 'job_id', details: { hint: 'list your jobs first' } }) })
    const res = await app.inject('/')
    t.equal(res.statusCode, 404, format)
    t.ok(validators[format](res.json()), `${format}: valid against its schema`)
    const err = await parseApiError(res)
    t.equal(err?.field, 'job_id', `${format}: the client reads the field`)
    if (format === 'envelope') t.strictSame(res.json().error.details, { field: 'job_id', hint: 'list your jobs first' }, 'envelope: the field and the details')
  }
})

t.test("the envelope: the error's field wins over a details.field, and a lone field still gets its issue", async t => {
  const app = await build({ plugin: { preset: 'genai' } })
  t.teardown(() => app.close())
  app.get('/both', async () => { throw new ApiError('INVALID_FIELD_VALUE', { field: 'temperature', details: { field: 'other', max: 2 } }) })
  app.get('/field', async () => { throw new ApiError('INVALID_FIELD_VALUE', { field: 'temperature' }) })
  t.strictSame((await app.inject('/both')).json().error.details, { field: 'temperature', max: 2 })
  t.strictSame((await app.inject('/field')).json().error.details, { field: 'temperature', issue: 'Field value is invalid' })
})

t.test("a preset factory's field-specific code carries its catalog field; an explicit field wins", async t => {
  let checked = 0
  for (const name of presetNames) {
    const app = await build({ plugin: { preset: name } })
    t.teardown(() => app.close())
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
