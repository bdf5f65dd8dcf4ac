// A route of a method added with addHttpMethod whose name holds a `-` (M-SEARCH), registered before the plugin, passed the route-order check and answered Fastify's default body (ecd2252).
import t from 'tap'
import errorEnvelope, { ApiError } from '../../src/index.js'
import { bareApp } from '../helper.js'

t.test('a route of a custom method with a hyphen, registered before the plugin, fails ready naming it', async t => {
  const server = bareApp(t)
  server.addHttpMethod('M-SEARCH')
  server.route({ method: 'M-SEARCH', url: '/devices', handler: async () => { throw new ApiError('JOB_NOT_FOUND') } })
  await server.register(errorEnvelope)
  await t.rejects(async () => { await server.ready() }, {
    name: 'TypeError',
    message: /route 'M-SEARCH \/devices' was registered before the plugin/
  })
})

t.test('the same route registered after the plugin answers the envelope', async t => {
  const server = bareApp(t)
  server.addHttpMethod('M-SEARCH')
  await server.register(errorEnvelope)
  server.route({ method: 'M-SEARCH', url: '/devices', handler: async () => { throw new ApiError('JOB_NOT_FOUND') } })
  const res = await server.inject({ method: 'M-SEARCH' as never, url: '/devices' })
  t.equal(res.statusCode, 404)
  t.equal(res.json().error_code, 'JOB_NOT_FOUND')
})
