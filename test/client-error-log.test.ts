import Fastify, { type FastifyServerOptions } from 'fastify'
import t from 'tap'
import errorEnvelope, { ApiError, requestIdOptions, type ErrorEnvelopeOptions } from '../src/index.js'
import { logCapture, type Teardown } from './helper.js'

async function app (t: Teardown, plugin: ErrorEnvelopeOptions, server: FastifyServerOptions = {}): Promise<{ inject: (url: string) => Promise<string>, lines: Array<Record<string, any>> }> {
  const { stream, lines } = logCapture()
  const instance = Fastify({ logger: { level: 'info', stream }, ...requestIdOptions(), ...server })
  t.teardown(() => instance.close())
  await instance.register(errorEnvelope, plugin)
  instance.get('/missing', async () => { throw new ApiError('JOB_NOT_FOUND') })
  instance.get('/quiet/missing', async () => { throw new ApiError('JOB_NOT_FOUND') })
  instance.get('/boom', async () => { throw new Error('database down') })
  return {
    lines,
    inject: async url => {
      const res = await instance.inject(url)
      return res.headers['x-request-id'] as string
    }
  }
}

const of = (lines: Array<Record<string, any>>, id: string): Array<Record<string, any>> => lines.filter(l => l.request_id === id)

t.test("clientErrorLog: 'completion': a 4xx writes no line of its own; the completion line carries code, status and request id", async t => {
  const { inject, lines } = await app(t, { clientErrorLog: 'completion' })
  const id = await inject('/missing')
  const mine = of(lines, id)
  t.same(mine.map(l => l.msg), ['incoming request', 'request completed'], 'two lines, not three')
  t.match(mine[1], { level: 30, error_code: 'JOB_NOT_FOUND', request_id: id, res: { statusCode: 404 } })
  t.notOk('error_code' in (mine[0] as object), 'the incoming line was written before the error')
})

t.test("the default, 'line', keeps a 4xx's own line with its message", async t => {
  const { inject, lines } = await app(t, {})
  const id = await inject('/missing')
  const mine = of(lines, id)
  t.same(mine.map(l => l.msg), ['incoming request', "Job doesn't exist", 'request completed'])
  t.match(mine[1], { level: 30, error_code: 'JOB_NOT_FOUND', status: 404 })
})

t.test("with 'completion', a 5xx still gets its own error line with the stack", async t => {
  const { inject, lines } = await app(t, { clientErrorLog: 'completion' })
  const id = await inject('/boom')
  const own = of(lines, id).filter(l => l.level === 50)
  t.equal(own.length, 1)
  t.match(own[0], { error_code: 'SYSTEM_INTERNAL_ERROR', status: 500, err: { message: 'database down', stack: /database down\n\s+at / } })
})

t.test("with 'completion', a request whose completion line Fastify skips keeps the 4xx's own line", async t => {
  const { inject, lines } = await app(t, { clientErrorLog: 'completion' }, {
    disableRequestLogging: (request: { url?: string }) => request.url?.startsWith('/quiet') === true
  })
  const quiet = of(lines, await inject('/quiet/missing'))
  t.same(quiet.map(l => l.msg), ["Job doesn't exist"])
  const loud = of(lines, await inject('/missing'))
  t.same(loud.map(l => l.msg), ['incoming request', 'request completed'])
})

t.test("'completion' with request logging off, or a value that is no mode, fails register", async t => {
  await t.rejects(app(t, { clientErrorLog: 'completion' }, { disableRequestLogging: true }), {
    name: 'TypeError',
    message: /option 'clientErrorLog' is 'completion', but Fastify's disableRequestLogging is on/
  })
  await t.rejects(app(t, { clientErrorLog: 'own' as 'line' }), {
    name: 'TypeError',
    message: "fastify-error-envelope: option 'clientErrorLog' expects 'line' or 'completion', instead got 'own'"
  })
})

t.test('telemetry that is not a boolean fails register, naming the option', async t => {
  await t.rejects(app(t, { telemetry: 'on' as never }), {
    name: 'TypeError',
    message: "fastify-error-envelope: option 'telemetry' expects a boolean, instead got 'on'"
  })
})
