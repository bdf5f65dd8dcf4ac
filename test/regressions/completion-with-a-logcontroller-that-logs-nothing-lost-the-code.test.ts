// `clientErrorLog: 'completion'` beside a `logController` made with `disableRequestLogging: true` was accepted, and every 4xx's code was lost from the log: no completion line to carry it, no line of its own (b4dbf89).
import Fastify from 'fastify'
import t from 'tap'
import errorEnvelope, { requestIdOptions } from '../../src/index.js'
import { LogController } from '../helper.js'

t.test('register fails, naming the option, as it does for disableRequestLogging: true', async t => {
  const app = Fastify({ logger: true, ...requestIdOptions(), logController: new LogController({ disableRequestLogging: true }) } as never)
  t.teardown(() => app.close())
  await t.rejects(async () => { await app.register(errorEnvelope, { clientErrorLog: 'completion' }) }, {
    name: 'TypeError',
    message: /option 'clientErrorLog' is 'completion', but Fastify's disableRequestLogging is on/
  })
})
