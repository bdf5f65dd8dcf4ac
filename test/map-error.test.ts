import { Writable } from 'node:stream'
import t from 'tap'
import { ApiError } from '../src/index.js'
import { build } from './helper.js'

class PaymentDeclined extends Error {
  constructor (readonly reason: string) { super(`card declined: ${reason}`) }
}

t.test('mapError turns your own error classes into catalog errors', async t => {
  const app = await build(t, {
    requestId: 'req-1',
    plugin: {
      mapError: err => err instanceof PaymentDeclined
        ? new ApiError('PAYMENT_INSUFFICIENT_BALANCE', { message: `Payment declined: ${err.reason}`, cause: err })
        : undefined
    }
  })
  app.get('/pay', async () => { throw new PaymentDeclined('insufficient funds') })
  app.get('/other', async () => { throw new ApiError('JOB_EXPIRED') })
  const pay = await app.inject('/pay')
  t.equal(pay.statusCode, 402)
  t.same(pay.json(), { detail: 'Payment declined: insufficient funds', error_code: 'PAYMENT_INSUFFICIENT_BALANCE', request_id: 'req-1' })
  const other = await app.inject('/other')
  t.equal(other.statusCode, 410, 'errors the mapper leaves alone are answered as before')
})

t.test('a mapError that throws leaves the error as it was, and is logged', async t => {
  const lines: Array<Record<string, any>> = []
  const stream = new Writable({ write (chunk, _e, cb) { lines.push(JSON.parse(String(chunk))); cb() } })
  const app = await build(t, { server: { logger: { level: 'info', stream } }, plugin: { mapError: () => { throw new Error('mapper bug') } } })
  app.get('/', async () => { throw new ApiError('JOB_EXPIRED') })
  const res = await app.inject('/')
  t.equal(res.statusCode, 410)
  t.equal(res.json().error_code, 'JOB_EXPIRED')
  t.ok(lines.some(l => l.level === 50 && /mapError threw/.test(l.msg) && l.err?.message === 'mapper bug'))
})

t.test('mapError must be a function', async t => {
  await t.rejects(build(t, { plugin: { mapError: 'nope' as never } }), { name: 'TypeError', message: /option 'mapError'/ })
})
