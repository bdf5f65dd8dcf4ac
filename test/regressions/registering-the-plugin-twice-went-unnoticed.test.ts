// Registering the plugin twice in one context went unnoticed: nothing said which of the two registrations answered (aab6383).
import t from 'tap'
import errorEnvelope from '../../src/index.js'
import { bareApp } from '../helper.js'

t.test('registering the plugin twice in the same context fails naming the plugin', async t => {
  const server = bareApp(t)
  server.register(errorEnvelope)
  server.register(errorEnvelope, { preset: 'genai' })
  await t.rejects(async () => { await server.ready() }, { name: 'TypeError', message: /^fastify-error-envelope: registered twice in the same context/ })

  const awaited = bareApp(t)
  await awaited.register(errorEnvelope)
  await t.rejects(async () => { await awaited.register(errorEnvelope) }, { name: 'TypeError', message: /registered twice in the same context/ })
})
