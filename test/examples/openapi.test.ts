import SwaggerParser from '@apidevtools/swagger-parser'
import t from 'tap'
import { buildApp } from '../../examples/openapi/app.js'
import { openPage } from '../helpers/browser.js'

t.test('the routes declare their errors, and the generated OpenAPI document shows them, valid', async t => {
  const app = await buildApp()
  t.teardown(() => app.close())
  const doc = (await app.inject('/openapi.json')).json()
  await t.resolves(SwaggerParser.validate(structuredClone(doc)), 'a valid OpenAPI document')

  t.match(doc.components.schemas.FlatError, {
    type: 'object',
    required: ['detail', 'error_code', 'request_id'],
    properties: { detail: { type: 'string' }, error_code: { type: 'string' }, request_id: { type: 'string' } }
  })
  const get = doc.paths['/v1/jobs/{id}'].get.responses
  for (const status of ['401', '404', '410', '500']) {
    t.same(get[status].content['application/json'].schema, { $ref: '#/components/schemas/FlatError' }, `GET ${status}`)
  }
  t.equal(get['404'].description, '- `JOB_NOT_FOUND`: Job doesn\'t exist')
  t.same(Object.keys(get['401'].content['application/json'].examples), ['AUTH_MISSING_KEY', 'AUTH_INVALID_KEY'])
  t.match(doc.paths['/v1/jobs/{id}'].get.description, 'Errors: `AUTH_MISSING_KEY` (401), `AUTH_INVALID_KEY` (401), `JOB_NOT_FOUND` (404), `JOB_EXPIRED` (410).')
  const post = doc.paths['/v1/jobs'].post.responses
  t.same(Object.keys(post['422'].content['application/json'].examples).slice(0, 1), ['VALIDATION_MISSING_FIELD'], 'the body is validated: its conditions documented')
  t.same(post['503'].content['application/json'].examples.JOB_QUEUE_FULL.value, {
    detail: 'The job queue is full, retry later', error_code: 'JOB_QUEUE_FULL', request_id: 'req_1234567890'
  }, 'a code of the app\'s own catalog')
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

t.test('in a real browser: the Swagger UI page shows a route\'s error examples', { timeout: 90_000 }, async t => {
  const app = await buildApp()
  const address = await app.listen({ host: '127.0.0.1', port: 0 })
  const page = await openPage(t, async () => await app.close())
  t.equal((await page.goto(`${address}/docs`))?.status(), 200)
  const operation = page.locator('#operations-default-get_v1_jobs__id_')
  await operation.locator('.opblock-summary').click()
  const notFound = operation.locator('tr.response[data-code="404"]')
  await notFound.waitFor()
  t.match(await notFound.textContent(), "JOB_NOT_FOUND: Job doesn't exist", 'the description lists the code and its message')
  t.match(await notFound.locator('.microlight, pre').first().textContent(), '"error_code": "JOB_NOT_FOUND"', 'the example body is shown')
})
