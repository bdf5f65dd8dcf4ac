// A URL Fastify cannot route (`/jobs/%zz`) got Fastify's own body and no request id: Fastify answers it before making a request unless the server has `frameworkErrors` (6645111).
import t from 'tap'
import { listen, rawGet } from '../helpers/raw-http.js'
import { build } from '../helper.js'

t.test('a malformed percent-encoding over a real socket: the envelope, with the id in body and header', async t => {
  const app = await build(t)
  app.get('/jobs/:id', async () => 'job')
  const port = await listen(t, app)
  const answer = await rawGet(port, '/jobs/%zz')
  t.equal(answer.status, 400)
  const body = JSON.parse(answer.body) as Record<string, unknown>
  t.notOk('statusCode' in body, 'not Fastify\'s body')
  t.equal(body.request_id, answer.headers['x-request-id'], 'the body\'s id is the header\'s')
  t.type(body.request_id, 'string')
})
