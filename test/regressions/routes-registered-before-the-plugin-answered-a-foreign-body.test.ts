// A route registered before the plugin, at the same level, kept Fastify's own error handler: its errors were answered with a foreign body (aab6383).
import t from 'tap'
import errorEnvelope, { ApiError } from '../../src/index.js'
import { bareApp } from '../helper.js'

t.test('a route registered before the plugin, at the same level, fails ready naming it', async t => {
  const server = bareApp(t)
  server.get('/jobs/:id', async () => { throw new ApiError('JOB_NOT_FOUND') })
  await server.register(errorEnvelope)
  await t.rejects(async () => { await server.ready() }, {
    name: 'TypeError',
    message: /fastify-error-envelope: route 'GET \/jobs\/:id' was registered before the plugin.*register the plugin first/
  })
})
