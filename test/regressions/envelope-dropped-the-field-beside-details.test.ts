// The envelope format dropped `field` when details were given, and problem never showed it: the client's err.field was undefined (ee359cf).
import t from 'tap'
import { ApiError } from '../../src/index.js'
import { parseApiError } from '../../src/client.js'
import { formatNames } from '../../src/formats/index.js'
import { build, validators } from '../helper.js'

t.test('every format shows the field of an error that also has details, and keeps the details where it shows them', async t => {
  for (const format of formatNames) {
    const app = await build(t, { plugin: { format } })
    app.get('/', async () => { throw new ApiError('JOB_NOT_FOUND', { field: 'job_id', details: { hint: 'list your jobs first' } }) })
    const res = await app.inject('/')
    t.equal(res.statusCode, 404, format)
    t.ok(validators[format](res.json()), `${format}: valid against its schema`)
    const err = await parseApiError(res)
    t.equal(err?.field, 'job_id', `${format}: the client reads the field`)
    if (format === 'envelope') t.strictSame(res.json().error.details, { field: 'job_id', hint: 'list your jobs first' }, 'envelope: the field and the details')
  }
})
