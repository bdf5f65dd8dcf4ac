// The Retry-After header and the body's retry_after came from different places and could say different waits, or a fraction of a second (d84a46c).
import t from 'tap'
import createHttpError from 'http-errors'
import { ApiError } from '../../src/index.js'
import { build } from '../helper.js'

t.test('Retry-After and retry_after say the same whole number of seconds, at least 1', async t => {
  const app = await build(t, { plugin: { preset: 'aitbc' } })
  const cases: Array<[string, () => unknown, string]> = [
    ['retryAfter beside a Retry-After header', () => new ApiError('RATE_LIMIT_EXCEEDED', { retryAfter: 10, headers: { 'Retry-After': 99 } }), '10'],
    ['a fractional retryAfter', () => new ApiError('RATE_LIMIT_EXCEEDED', { retryAfter: 0.2 }), '1'],
    ['a foreign 429 with Retry-After 1.5', () => createHttpError(429, { headers: { 'Retry-After': '1.5' } }), '2']
  ]
  cases.forEach(([, make], i) => app.get(`/${i}`, async () => { throw make() }))
  for (const [i, [label, , expected]] of cases.entries()) {
    const res = await app.inject(`/${i}`)
    t.equal(res.headers['retry-after'], expected, `${label}: the header`)
    t.equal(res.json().retry_after, Number(expected), `${label}: the body`)
  }
})
