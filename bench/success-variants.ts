// The /ok server, one piece at a time, for counting what each piece of the success path costs:
// `ICOUNT_SERVER=bench/success-variants.ts npm run bench:instructions -- plain gen-fixed gen-only ...`
// (the protocol of bench/server.ts without IPC: prints `port <n>`). RESULTS.md, "Fourth pass".
import Fastify, { type FastifyInstance } from 'fastify'
import errorEnvelope, { requestIdOptions } from '../src/index.js'
import { restoreDefaultChildLogger } from '../src/request-id.js'
import { scopeLogController } from '../src/log-controller.js'
import { answerCounter } from './inject-counter.js'

const fixedId = 'req_0123456789abcdef0123456789abcdef'
const scopeOptions = { header: 'x-request-id', completion: false }

async function variant (name: string): Promise<FastifyInstance> {
  const ids = requestIdOptions()
  switch (name) {
    case 'plain': return Fastify()
    // A genReqId that does nothing: what Fastify's own counter costs.
    case 'gen-fixed': return Fastify({ requestIdHeader: false, genReqId: () => fixedId })
    case 'gen-only': return Fastify({ requestIdHeader: false, genReqId: ids.genReqId })
    // requestIdOptions() with its renaming factory left in place, as without the plugin.
    case 'ids-factory': return Fastify({ childLoggerFactory: ids.childLoggerFactory })
    case 'ids-restored': {
      const app = Fastify({ ...ids })
      restoreDefaultChildLogger(app)
      return app
    }
    // One header and nothing else of ours, from a log controller (as the plugin sets it) or a hook.
    case 'header-2': {
      const app = Fastify({ requestIdHeader: false, genReqId: () => 'r1' })
      scopeLogController(app, scopeOptions)
      return app
    }
    case 'header-36': {
      const app = Fastify({ requestIdHeader: false, genReqId: () => fixedId })
      scopeLogController(app, scopeOptions)
      return app
    }
    case 'header-hook': {
      const app = Fastify()
      app.addHook('onRequest', (_request, reply, done) => { reply.header('x-request-id', fixedId); done() })
      return app
    }
    case 'plugin-without-ids': {
      const app = Fastify()
      await app.register(errorEnvelope, { format: 'flat' })
      return app
    }
    case 'flat-ok': {
      const app = Fastify({ ...ids })
      await app.register(errorEnvelope, { format: 'flat' })
      return app
    }
    default: throw new Error(`unknown variant ${name}`)
  }
}

const app = await variant(process.argv[2] ?? '')
app.get('/ok', async () => ({ ok: true }))
await app.listen({ port: 0, host: '127.0.0.1' })
answerCounter(app)
const address = app.server.address()
console.log(`port ${typeof address === 'object' && address !== null ? address.port : 0}`)
process.on('SIGTERM', () => process.exit(0))
