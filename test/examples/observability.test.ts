import t from 'tap'
import { startExample } from './start-example.js'

t.test('the Prometheus endpoint shows error answers by code, status and route after a few errors', async t => {
  const base = await startExample(t, 'examples/observability/server.ts')
  for (const path of ['/v1/items/1', '/v1/items/2', '/v1/items/3', '/v1/items/boom', '/health', '/nowhere']) await fetch(`${base}${path}`)
  const scrape = await fetch(`${base}/metrics`)
  t.equal(scrape.status, 200)
  const text = await scrape.text()
  const counts = Object.fromEntries(text.split('\n').filter(line => line.startsWith('fastify_error_envelope_errors_total{')).map(line => {
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map(m => [m[1], m[2]]))
    return [`${labels.error_type} ${labels.http_response_status_code} ${labels.http_route ?? '-'}`, Number(line.split(' ').at(-1))]
  }))
  t.same(counts, {
    'ITEM_NOT_FOUND 404 /v1/items/:id': 3,
    'SYSTEM_INTERNAL_ERROR 500 /v1/items/:id': 1,
    'NOT_FOUND 404 -': 1
  })
  t.match(text, /# TYPE fastify_error_envelope_errors_total counter/)
})

t.test('a request inside a trace answers with its trace id as request_id', async t => {
  const base = await startExample(t, 'examples/observability/server.ts')
  const res = await fetch(`${base}/v1/items/7`, { headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } })
  t.equal(res.status, 404)
  t.match(await res.json(), { error_code: 'ITEM_NOT_FOUND', request_id: '4bf92f3577b34da6a3ce929d0e0e4736' })
})
