// A custom format that failed fell back to the flat shape, with a code no preset has, even on genai or problem (a32c8de).
import t from 'tap'
import { ApiError, presets, type PresetName } from '../../src/index.js'
import type { ErrorRecord } from '../../src/record.js'
import { build } from '../helper.js'

t.test("a custom format that fails answers the preset's own internal-error body, in the preset's content type", async t => {
  const failing: Record<string, (record: ErrorRecord) => unknown> = {
    throws: () => { throw new Error('formatter broke') },
    'returns a BigInt': record => ({ code: record.code, n: 1n }),
    'returns undefined': () => undefined
  }
  for (const preset of Object.keys(presets) as PresetName[]) {
    const plain = await build(t, { requestId: 'req_same', plugin: { preset } })
    plain.get('/', async () => { throw new Error('x') })
    const internal = await plain.inject('/')
    for (const [what, format] of Object.entries(failing)) {
      const app = await build(t, { requestId: 'req_same', plugin: { preset, format } })
      app.get('/404', async () => { throw new ApiError('JOB_NOT_FOUND', { status: 404 }) })
      const res = await app.inject('/404')
      t.equal(res.statusCode, internal.statusCode, `${preset}, a format that ${what}: the internal status`)
      t.equal(res.headers['content-type'], internal.headers['content-type'], `${preset}, a format that ${what}: the preset's content type`)
      t.strictSame(res.json(), { ...internal.json(), ...(preset === 'problem' ? { instance: '/404' } : {}) }, `${preset}, a format that ${what}: the preset's internal body`)
      t.notOk(res.body.includes('formatter broke'))
    }
  }
})
