import t from 'tap'
import { startExample } from './start-example.js'
import { buildApp } from '../../examples/problem-details/app.js'

const asksProblem = { accept: 'application/problem+json' }
const problemType = 'application/problem+json'
const badOrder = { sku: 'abc', quantity: 0 }

t.test('on aitbc, a JSON client gets the flat body and a client that asks gets problem details with a typed `type`', async t => {
  const app = await buildApp()
  t.teardown(() => app.close())

  const json = await app.inject('/v1/orders/ord-404')
  t.equal(json.statusCode, 404)
  t.equal(json.headers['content-type'], 'application/json; charset=utf-8')
  t.strictSame(json.json(), { detail: 'Order ord-404 not found', error_code: 'ORDER_NOT_FOUND', request_id: json.headers['x-request-id'] })

  const problem = await app.inject({ url: '/v1/orders/ord-404', headers: asksProblem })
  t.equal(problem.statusCode, 404)
  t.equal(problem.headers['content-type'], problemType)
  t.strictSame(problem.json(), {
    type: 'https://api.example.com/problems/order-not-found',
    title: 'Order not found',
    status: 404,
    detail: 'Order ord-404 not found',
    instance: '/v1/orders/ord-404',
    code: 'ORDER_NOT_FOUND',
    request_id: problem.headers['x-request-id']
  })

  const shipped = await app.inject({ method: 'POST', url: '/v1/orders/ord-1/cancel', headers: asksProblem })
  t.equal(shipped.statusCode, 409)
  t.match(shipped.json(), { type: 'https://api.example.com/problems/order-already-shipped', title: 'Order already shipped', code: 'ORDER_ALREADY_SHIPPED' })

  const invalid = await app.inject({ method: 'POST', url: '/v1/orders', headers: asksProblem, payload: badOrder })
  t.equal(invalid.statusCode, 422)
  t.equal(invalid.headers['content-type'], problemType)
  t.match(invalid.json(), {
    type: 'https://api.example.com/problems/validation-invalid-format',
    code: 'VALIDATION_INVALID_FORMAT',
    errors: [
      { code: 'VALIDATION_INVALID_FORMAT', field: 'sku', pointer: '#/sku' },
      { code: 'VALIDATION_OUT_OF_RANGE', field: 'quantity', pointer: '#/quantity' }
    ]
  })
  const flatInvalid = await app.inject({ method: 'POST', url: '/v1/orders', payload: badOrder })
  t.strictSame(Object.keys(flatInvalid.json()).sort(), ['detail', 'error_code', 'field', 'request_id'], 'without Accept: the aitbc body, no errors list')
})

t.test('on the problem preset every client gets problem details, with the same types for the app\'s own codes', async t => {
  const app = await buildApp({ preset: 'problem' })
  t.teardown(() => app.close())
  const res = await app.inject('/v1/orders/ord-404')
  t.equal(res.headers['content-type'], problemType)
  t.match(res.json(), { type: 'https://api.example.com/problems/order-not-found', title: 'Order not found', status: 404 })

  const invalid = await app.inject({ method: 'POST', url: '/v1/orders', payload: badOrder })
  t.match(invalid.json(), {
    type: 'https://api.example.com/problems/validation-failed',
    status: 422,
    code: 'VALIDATION_FAILED',
    errors: [{ field: 'sku', pointer: '#/sku' }, { field: 'quantity', pointer: '#/quantity' }]
  })
  t.match((await app.inject({ url: '/nope' })).json(), { type: 'https://api.example.com/problems/not-found', code: 'NOT_FOUND' })
})

t.test('orders can be placed, read and cancelled', async t => {
  const app = await buildApp()
  t.teardown(() => app.close())
  const placed = await app.inject({ method: 'POST', url: '/v1/orders', payload: { sku: 'XYZ-042', quantity: 2 } })
  t.equal(placed.statusCode, 201)
  const id = placed.json().id as string
  t.equal((await app.inject(`/v1/orders/${id}`)).json().status, 'placed')
  const cancelled = await app.inject({ method: 'POST', url: `/v1/orders/${id}/cancel` })
  t.equal(cancelled.statusCode, 200)
  t.equal(cancelled.json().status, 'cancelled')
})

t.test('server.ts starts the API on PORT; it answers problem+json to a client that asks', async t => {
  const base = await startExample(t, 'examples/problem-details/server.ts')
  const res = await fetch(`${base}/v1/orders/ord-1/cancel`, { method: 'POST', headers: asksProblem })
  t.equal(res.status, 409)
  t.equal(res.headers.get('content-type'), problemType)
  t.match(await res.json(), { type: 'https://api.example.com/problems/order-already-shipped', request_id: res.headers.get('x-request-id') })
})
