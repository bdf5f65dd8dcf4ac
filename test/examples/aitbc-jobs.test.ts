import t from 'tap'
import { startExample } from './start-example.js'
import { buildApp } from '../../examples/aitbc-jobs/app.js'

const key = { 'x-api-key': 'demo-key' }

t.test('the example answers seed 001 example bodies', async t => {
  const app = await buildApp()
  t.teardown(() => app.close())

  const missingKey = await app.inject('/v1/jobs/job-1')
  t.equal(missingKey.statusCode, 401)
  t.match(missingKey.json(), { detail: 'API key is required for this endpoint', error_code: 'AUTH_MISSING_KEY' })

  const notFound = await app.inject({ url: '/v1/jobs/job-abc123', headers: key })
  t.equal(notFound.statusCode, 404)
  t.same(notFound.json(), { detail: 'Job job-abc123 not found', error_code: 'JOB_NOT_FOUND', request_id: notFound.headers['x-request-id'] })

  const missingPrompt = await app.inject({ method: 'POST', url: '/v1/jobs', headers: key, payload: {} })
  t.equal(missingPrompt.statusCode, 422)
  t.same(missingPrompt.json(), { detail: "Field 'prompt' is required", error_code: 'VALIDATION_MISSING_FIELD', field: 'prompt', request_id: missingPrompt.headers['x-request-id'] })

  const busy = await app.inject({ url: '/v1/busy', headers: key })
  t.equal(busy.statusCode, 429)
  t.equal(busy.headers['retry-after'], '60')
  t.match(busy.json(), { detail: 'Rate limit exceeded. Retry after 60 seconds', error_code: 'RATE_LIMIT_EXCEEDED', retry_after: 60 })
})

t.test('the example jobs flow: submit, claim, claim again, cancel', async t => {
  const app = await buildApp()
  t.teardown(() => app.close())

  const badKey = await app.inject({ url: '/v1/jobs/job-1', headers: { 'x-api-key': 'wrong' } })
  t.equal(badKey.json().error_code, 'AUTH_INVALID_KEY')

  const badModel = await app.inject({ method: 'POST', url: '/v1/jobs', headers: key, payload: { prompt: 'hi', model: 'gpt-9' } })
  t.match(badModel.json(), { error_code: 'VALIDATION_INVALID_MODEL', field: 'model' })
  const longPrompt = await app.inject({ method: 'POST', url: '/v1/jobs', headers: key, payload: { prompt: 'x'.repeat(201) } })
  t.match(longPrompt.json(), { error_code: 'VALIDATION_PROMPT_TOO_LONG', field: 'prompt' })

  const submitted = await app.inject({ method: 'POST', url: '/v1/jobs', headers: key, payload: { prompt: 'hi' } })
  t.equal(submitted.statusCode, 201)
  const id = submitted.json().id as string

  const noMiner = await app.inject({ method: 'POST', url: `/v1/jobs/${id}/claim`, headers: key })
  t.match(noMiner.json(), { error_code: 'VALIDATION_MISSING_FIELD', field: 'x-miner-id' })
  const claimed = await app.inject({ method: 'POST', url: `/v1/jobs/${id}/claim`, headers: { ...key, 'x-miner-id': 'miner-7' } })
  t.equal(claimed.statusCode, 200)
  const again = await app.inject({ method: 'POST', url: `/v1/jobs/${id}/claim`, headers: { ...key, 'x-miner-id': 'miner-8' } })
  t.equal(again.statusCode, 409)
  t.equal(again.json().detail, `Job ${id} already claimed by miner-7`)
  const cancel = await app.inject({ method: 'POST', url: `/v1/jobs/${id}/cancel`, headers: key })
  t.match(cancel.json(), { error_code: 'JOB_INVALID_STATUS' })
  t.equal(cancel.statusCode, 400)

  const other = await app.inject({ method: 'POST', url: '/v1/jobs', headers: key, payload: { prompt: 'second' } })
  const otherId = other.json().id as string
  t.equal((await app.inject({ method: 'POST', url: `/v1/jobs/${otherId}/cancel`, headers: key })).statusCode, 200)
  const claimCancelled = await app.inject({ method: 'POST', url: `/v1/jobs/${otherId}/claim`, headers: { ...key, 'x-miner-id': 'miner-7' } })
  t.equal(claimCancelled.json().error_code, 'JOB_ALREADY_CANCELLED')

  t.equal((await app.inject({ url: '/nope', headers: key })).json().error_code, 'NOT_FOUND')
})

t.test('npm run example starts a server that answers with the envelope', async t => {
  const base = await startExample(t, 'examples/aitbc-jobs/server.ts')
  const res = await fetch(`${base}/v1/jobs/job-abc123`, { headers: key })
  t.equal(res.status, 404)
  t.same(await res.json(), { detail: 'Job job-abc123 not found', error_code: 'JOB_NOT_FOUND', request_id: res.headers.get('x-request-id') })
})
