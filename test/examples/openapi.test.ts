import t from 'tap'
import { buildApp } from '../../examples/openapi/app.js'

t.test('the generated OpenAPI document shows the error responses', async t => {
  const app = await buildApp()
  t.teardown(() => app.close())
  const doc = (await app.inject('/openapi.json')).json()

  t.match(doc.components.schemas.FlatError, {
    type: 'object',
    required: ['detail', 'error_code', 'request_id'],
    properties: { detail: { type: 'string' }, error_code: { type: 'string' }, request_id: { type: 'string' } }
  })
  const get = doc.paths['/v1/jobs/{id}'].get.responses
  for (const status of ['401', '404', '500']) {
    t.same(get[status].content['application/json'].schema, { $ref: '#/components/schemas/FlatError' }, `GET ${status}`)
  }
  t.equal(get['404'].description, 'JOB_NOT_FOUND')
  const post = doc.paths['/v1/jobs'].post.responses
  t.same(post['422'].content['application/json'].schema, { $ref: '#/components/schemas/FlatError' })
  t.same(post['429'].content['application/json'].schema, { $ref: '#/components/schemas/FlatError' })
})

t.test('the routes still answer the envelope they document', async t => {
  const app = await buildApp()
  t.teardown(() => app.close())
  const notFound = await app.inject('/v1/jobs/job-abc123')
  t.equal(notFound.statusCode, 404)
  t.same(notFound.json(), { detail: 'Job job-abc123 not found', error_code: 'JOB_NOT_FOUND', request_id: notFound.headers['x-request-id'] })
  const invalid = await app.inject({ method: 'POST', url: '/v1/jobs', payload: {} })
  t.equal(invalid.statusCode, 422)
  t.same(invalid.json(), { detail: "Field 'prompt' is required", error_code: 'VALIDATION_MISSING_FIELD', field: 'prompt', request_id: invalid.headers['x-request-id'] })
})
