import { readFileSync } from 'node:fs'
import Fastify, { type FastifyServerOptions } from 'fastify'
import t from 'tap'
import errorEnvelope, { ApiError, presets, requestIdOptions, type ErrorEnvelopeOptions } from '../src/index.js'
import { anotherFastify, LogController, logCapture, type Teardown } from './helper.js'

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

t.test("'completion' with a logController of the app's own that turns request logging off fails register", async t => {
  await t.rejects(app(t, { clientErrorLog: 'completion' }, { logController: new LogController({ disableRequestLogging: true }) } as never), {
    name: 'TypeError',
    message: /option 'clientErrorLog' is 'completion', but Fastify's disableRequestLogging is on/
  })
})

t.test("'completion': a 4xx whose onResponse hook fails has the code on Fastify's 'request errored' line", async t => {
  const { stream, lines } = logCapture()
  const instance = Fastify({ logger: { level: 'info', stream }, ...requestIdOptions() })
  t.teardown(() => instance.close())
  await instance.register(errorEnvelope, { clientErrorLog: 'completion' })
  instance.get('/missing', { onResponse: async () => { throw new Error('metrics down') } }, async () => { throw new ApiError('JOB_NOT_FOUND') })
  const res = await instance.inject('/missing')
  const mine = of(lines, res.headers['x-request-id'] as string)
  t.same(mine.map(l => l.msg), ['incoming request', 'request errored'])
  t.match(mine[1], { level: 50, error_code: 'JOB_NOT_FOUND', res: { statusCode: 404 }, err: { message: 'metrics down' } })
})

t.test("'completion' with a completion line of the app's own controller: the code is a binding it carries", async t => {
  class Terse extends LogController {
    requestCompleted (_error: unknown, request: object, reply: { log: { info: (o: object, m: string) => void }, statusCode: number }): void {
      if ((this as unknown as { isLogDisabled: (r: object) => boolean }).isLogDisabled(request)) return
      reply.log.info({ status: reply.statusCode }, 'done')
    }
  }
  const quiet = (request: { url?: string }): boolean => request.url?.startsWith('/quiet') === true
  const { inject, lines } = await app(t, { clientErrorLog: 'completion' }, { logController: new Terse({ disableRequestLogging: quiet }) } as never)
  const loud = of(lines, await inject('/missing'))
  t.same(loud.map(l => l.msg), ['incoming request', 'done'])
  t.match(loud[1], { error_code: 'JOB_NOT_FOUND', status: 404 })
  t.same(of(lines, await inject('/quiet/missing')).map(l => l.msg), ["Job doesn't exist"], 'a request it does not log keeps the 4xx\'s own line')
})

t.test("'completion' on another copy of Fastify: the same lines, the code as a binding", async t => {
  const Other = anotherFastify()
  for (const disableRequestLogging of [undefined, (request: { url?: string }) => request.url?.startsWith('/quiet') === true]) {
    const { stream, lines } = logCapture()
    const instance = Other({ logger: { level: 'info', stream }, ...requestIdOptions(), ...(disableRequestLogging === undefined ? {} : { disableRequestLogging }) })
    t.teardown(() => instance.close())
    await instance.register(errorEnvelope, { clientErrorLog: 'completion' })
    instance.get('/missing', async () => { throw new ApiError('JOB_NOT_FOUND') })
    instance.get('/quiet/missing', async () => { throw new ApiError('JOB_NOT_FOUND') })
    const res = await instance.inject('/missing')
    const mine = of(lines, res.headers['x-request-id'] as string)
    t.same(mine.map(l => l.msg), ['incoming request', 'request completed'])
    t.match(mine[1], { error_code: 'JOB_NOT_FOUND', res: { statusCode: 404 } })
    const quiet = of(lines, (await instance.inject('/quiet/missing')).headers['x-request-id'] as string)
    t.same(quiet.map(l => l.msg), disableRequestLogging === undefined ? ['incoming request', 'request completed'] : ["Job doesn't exist"])
  }
  const off = Other({ logger: true, disableRequestLogging: true })
  t.teardown(() => off.close())
  await t.rejects(async () => { await off.register(errorEnvelope, { clientErrorLog: 'completion' }) }, { name: 'TypeError', message: /disableRequestLogging is on/ })
})

t.test('the lines docs/guides/observability.md shows for each clientErrorLog are the lines the plugin writes', async t => {
  const guide = readFileSync(new URL('../docs/guides/observability.md', import.meta.url), 'utf8')
  const section = guide.slice(guide.indexOf('## Logs: a line of its own'))
  const shown = [...section.matchAll(/```json\n([\s\S]*?)```/g)].slice(0, 2).map(m => (m[1] as string).trim().split('\n'))
  t.equal(shown.length, 2, "one block for 'line', one for 'completion'")
  for (const [mode, lines] of [['line', shown[0]], ['completion', shown[1]]] as const) {
    const { stream, lines: written } = logCapture()
    const instance = Fastify({ logger: { level: 'info', stream }, ...requestIdOptions() })
    t.teardown(() => instance.close())
    await instance.register(errorEnvelope, { preset: 'aitbc', clientErrorLog: mode })
    instance.get('/v1/jobs/:id', async () => { throw presets.aitbc.errors.JOB_NOT_FOUND() })
    const id = (await instance.inject('/v1/jobs/42')).headers['x-request-id']
    const example = (lines as string[]).map(line => JSON.parse(line) as Record<string, unknown>)
    // What the guide leaves out (time, pid, hostname) or cannot know (the id, the response time);
    // every other field, and the order of all of them, is as written.
    const real = written.filter(l => l.request_id === id).map(({ time, pid, hostname, ...rest }) => rest)
    t.equal(real.length, example.length, `${mode}: as many lines as the guide shows`)
    real.forEach((line, i) => {
      const shownLine = example[i] as Record<string, unknown>
      t.type(line.responseTime ?? 0, 'number')
      const comparable = { ...line, request_id: shownLine.request_id, ...('responseTime' in line ? { responseTime: shownLine.responseTime } : {}) }
      t.equal(JSON.stringify(comparable), JSON.stringify(shownLine), `${mode}, line ${i + 1}`)
    })
  }
})
