// A timeWindow @fastify/rate-limit cannot read ('1 fortnight', -5, NaN) was accepted at register without a word (1f6fc8f).
import t from 'tap'
import { limited, minute, registerError } from '../helpers/rate-limit.js'

t.test('rateLimit.timeWindow: what @fastify/rate-limit cannot read is refused at register', async t => {
  for (const timeWindow of ['1 fortnight', 'soon', '-5 minutes', -5, '', '1 month', 0, 0.5, Number.NaN, Number.POSITIVE_INFINITY, '0.4']) {
    for (const where of ['rateLimit', 'rateLimit.quota'] as const) {
      const option = where === 'rateLimit'
        ? { max: 1, timeWindow }
        : { max: 1, timeWindow: minute, quota: { max: 1, timeWindow } }
      const err = await registerError(option)
      t.type(err, TypeError, `${where}.timeWindow ${JSON.stringify(timeWindow)} is refused`)
      t.match(err?.message, new RegExp(`option '${where.replace('.', '\\.')}\\.timeWindow' expects .*, instead got`))
    }
  }
  for (const timeWindow of ['1 minute', '10 MINUTES', '1.5h', '1 day', 1000]) {
    t.equal(await registerError({ max: 1, timeWindow }), undefined, `${JSON.stringify(timeWindow)} is accepted`)
  }
  const app = await limited(t, { plugin: { rateLimit: { max: 1, timeWindow: '2 hours' } } })
  await app.inject('/ok')
  const res = await app.inject('/ok')
  t.equal(res.statusCode, 429)
  t.ok(Number(res.headers['retry-after']) > 7000, "'2 hours' is read as two hours")
})
