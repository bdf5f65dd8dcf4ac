// A keyGenerator or allowList that threw ran inside the store guard: taken for a store failure, the request was let through uncounted (1f6fc8f).
import t from 'tap'
import { logCapture } from '../helper.js'
import { limited, minute } from '../helpers/rate-limit.js'

t.test('a keyGenerator or allowList that throws answers the internal error, logged at error level, and never lets the request through', async t => {
  const boom = (): never => { throw new Error('bug in the key generator') }
  const cases = [
    ['keyGenerator', { max: 100, timeWindow: minute, keyGenerator: boom }],
    ['allowList', { max: 100, timeWindow: minute, allowList: boom }],
    ['quota.keyGenerator', { max: 100, timeWindow: minute, quota: { max: 10, timeWindow: '1 day', keyGenerator: boom } }]
  ] as const
  for (const [name, rateLimitOption] of cases) {
    for (const onStoreError of ['open', 'closed'] as const) {
      const { stream, lines } = logCapture()
      const app = await limited(t, { plugin: { rateLimit: { ...rateLimitOption, onStoreError } }, server: { logger: { level: 'info', stream } } })
      const res = await app.inject('/ok')
      t.equal(res.statusCode, 500, `${name} (${onStoreError}): 500, not let through`)
      t.equal(res.json().error_code, 'SYSTEM_INTERNAL_ERROR', `${name}: the internal error`)
      t.notOk(res.body.includes('bug in the key generator'), `${name}: its message stays in the log`)
      t.ok(lines.some(l => l.level === 50 && JSON.stringify(l).includes('bug in the key generator')), `${name}: logged at error level`)
    }
  }
})
