// When even the preset's format could not make the internal body, the fixed last-resort body named a code no preset has (1c1e789).
import t from 'tap'
import { ApiError } from '../../src/index.js'
import { resolveOptions } from '../../src/options.js'
import { createHandlers } from '../../src/handler.js'

t.test('if even the preset format cannot make the internal body, a fixed flat body with the preset internal code answers', async t => {
  const broken = { name: 'broken', contentType: 'application/json', build: () => { throw new Error('broken') } }
  const opts = resolveOptions({ preset: 'aitbc', format: broken })
  const { respond } = createHandlers({ ...opts, presetFormat: opts.format })
  const res = respond(new ApiError('JOB_NOT_FOUND'), { requestId: 'req_last', instance: '/', method: 'GET' })
  t.equal(res.status, 500)
  t.equal(res.contentType, 'application/json; charset=utf-8')
  t.strictSame(JSON.parse(res.payload), { detail: 'Unexpected server error', error_code: 'SYSTEM_INTERNAL_ERROR', request_id: 'req_last' })
})
