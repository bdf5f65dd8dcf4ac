// Accept was matched as a substring: 'Application/Problem+JSON' was not seen, and 'application/problem+json;q=0' still got problem details (41b23f8).
import t from 'tap'
import { presets } from '../../src/index.js'
import { build } from '../helper.js'

t.test('Accept is read as media ranges: case-insensitive, and q=0 refuses problem+json', async t => {
  const app = await build(t, { plugin: { negotiate: true } })
  app.get('/jobs/:id', async () => { throw presets.aitbc.errors.JOB_NOT_FOUND({ message: 'Job job-abc123 not found' }) })
  // RFC 9110 §8.3.1: media types are case-insensitive.
  const upper = await app.inject({ url: '/jobs/job-abc123', headers: { accept: 'Application/Problem+JSON' } })
  t.equal(upper.headers['content-type'], 'application/problem+json', 'Application/Problem+JSON asks for problem details')
  // RFC 9110 §12.4.2: q=0 means "not acceptable".
  const refused = await app.inject({ url: '/jobs/job-abc123', headers: { accept: 'application/json, application/problem+json;q=0' } })
  t.equal(refused.headers['content-type'], 'application/json; charset=utf-8', 'a client that refuses problem+json does not get it')
  t.equal(refused.json().error_code, 'JOB_NOT_FOUND')
})
