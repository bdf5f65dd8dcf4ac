// X-Request-Id is set by the scope's log controller, which Fastify calls for every request it
// makes (routes, 404s, framework errors), not by an onRequest hook: a route without hooks of its
// own keeps Fastify's fast path. What a user sees must not change: the header on every response,
// the id's log field, an app's own log controller, the plugin's scope.
import Fastify, { type FastifyInstance } from 'fastify'
import t from 'tap'
import errorEnvelope, { ApiError, requestIdOptions } from '../src/index.js'
import { anotherFastify, LogController, logCapture } from './helper.js'

const generated = /^req_[0-9a-f]{32}$/

/** Every route with the hooks Fastify runs for it, by stage, as `printRoutes` lists them. */
function routesWithHooks (app: FastifyInstance): string {
  return app.printRoutes({ commonPrefix: false, includeHooks: true })
}

t.test('a route without hooks of its own gets none from the plugin, and still answers with X-Request-Id', async t => {
  const app = Fastify({ ...requestIdOptions() })
  t.teardown(() => app.close())
  await app.register(errorEnvelope)
  app.get('/ok', async () => ({ ok: true }))
  await app.ready()
  t.notMatch(routesWithHooks(app), /onRequest/, 'no onRequest hook on any route')
  const res = await app.inject('/ok')
  t.match(res.headers['x-request-id'], generated)
  const kept = await app.inject({ url: '/ok', headers: { 'x-request-id': 'client-1' } })
  t.equal(kept.headers['x-request-id'], 'client-1')
})

t.test('the requestIdHeader option names the header on a success, an error and a 404', async t => {
  const app = Fastify({ ...requestIdOptions() })
  t.teardown(() => app.close())
  await app.register(errorEnvelope, { requestIdHeader: 'x-correlation-id' })
  app.get('/ok', async () => ({ ok: true }))
  app.get('/fail', async () => { throw new ApiError('JOB_NOT_FOUND') })
  for (const url of ['/ok', '/fail', '/nowhere']) {
    const res = await app.inject(url)
    t.match(res.headers['x-correlation-id'], generated, url)
    t.notOk('x-request-id' in res.headers, `${url}: no other id header`)
  }
})

t.test('logging on: request_id on every line of every path, with no child-logger factory of ours', async t => {
  const { stream, lines } = logCapture()
  const app = Fastify({ logger: { level: 'info', stream }, ...requestIdOptions() })
  t.teardown(() => app.close())
  await app.register(errorEnvelope)
  app.get('/ok', async (request) => { request.log.info('handler line'); return 'ok' })
  app.get('/fail', async () => { throw new ApiError('JOB_NOT_FOUND') })
  for (const url of ['/ok', '/fail', '/nowhere']) {
    lines.length = 0
    const res = await app.inject(url)
    const id = res.headers['x-request-id']
    t.match(id, generated, url)
    t.ok(lines.length >= 2, `${url}: logged`)
    for (const line of lines) {
      t.equal(line.request_id, id, `${url}: "${String(line.msg)}" carries request_id`)
      t.notOk('reqId' in line, `${url}: "${String(line.msg)}" has no reqId`)
    }
  }
})

t.test('an app that named the id\'s field itself keeps its name; a logLabel of requestIdOptions() is honoured', async t => {
  const { stream, lines } = logCapture()
  const own = Fastify({ logger: { level: 'info', stream }, ...requestIdOptions(), logController: new LogController({ requestIdLogLabel: 'trace' }) } as never) as unknown as FastifyInstance
  t.teardown(() => own.close())
  await own.register(errorEnvelope)
  own.get('/ok', async () => 'ok')
  const res = await own.inject('/ok')
  const requestLines = lines.filter(l => l.msg === 'incoming request' || l.msg === 'request completed')
  t.equal(requestLines.length, 2)
  for (const line of requestLines) t.equal(line.trace, res.headers['x-request-id'], `"${String(line.msg)}": the app's own field`)

  const labelled = logCapture()
  const app = Fastify({ logger: { level: 'info', stream: labelled.stream }, ...requestIdOptions({ logLabel: 'rid' }) })
  t.teardown(() => app.close())
  await app.register(errorEnvelope)
  app.get('/ok', async () => 'ok')
  const ok = await app.inject('/ok')
  const ridLines = labelled.lines.filter(l => l.msg === 'incoming request' || l.msg === 'request completed')
  t.equal(ridLines.length, 2)
  for (const line of ridLines) {
    t.equal(line.rid, ok.headers['x-request-id'], `"${String(line.msg)}": rid`)
    t.notOk('reqId' in line || 'request_id' in line, 'and no other id field')
  }
})

t.test('an app\'s own log controller still writes its lines, disableRequestLogging still applies', async t => {
  // State kept on `this`, as a subclass would: it must be the app's controller that counts.
  class Counting extends LogController {
    incoming = 0
    completed = 0
    incomingRequest (...args: unknown[]): void {
      this.incoming++
      ;(LogController.prototype as { incomingRequest: (...a: unknown[]) => void }).incomingRequest.apply(this, args)
    }

    requestCompleted (...args: unknown[]): void {
      this.completed++
      ;(LogController.prototype as { requestCompleted: (...a: unknown[]) => void }).requestCompleted.apply(this, args)
    }
  }
  const controller = new Counting({ disableRequestLogging: true })
  const { stream, lines } = logCapture()
  const app = Fastify({ logger: { level: 'info', stream }, ...requestIdOptions(), logController: controller } as never) as unknown as FastifyInstance
  t.teardown(() => app.close())
  await app.register(errorEnvelope)
  app.get('/ok', async () => 'ok')
  const res = await app.inject('/ok')
  t.match(res.headers['x-request-id'], generated)
  t.equal(controller.incoming, 1, 'the app\'s incomingRequest ran, on the app\'s controller')
  t.equal(controller.completed, 1, 'and its requestCompleted')
  t.same(lines.filter(l => l.msg === 'incoming request'), [], 'and its disableRequestLogging held')
})

t.test('the header belongs to the plugin\'s scope, as a hook of that scope would', async t => {
  const app = Fastify({ ...requestIdOptions() })
  t.teardown(() => app.close())
  await app.register(async function api (scope) {
    await scope.register(errorEnvelope)
    scope.get('/in', async () => 'in')
    await scope.register(async function nested (inner) {
      inner.get('/nested', async () => 'nested')
    })
  }, { prefix: '/api' })
  app.get('/outside', async () => 'outside')
  t.match((await app.inject('/api/in')).headers['x-request-id'], generated)
  t.match((await app.inject('/api/nested')).headers['x-request-id'], generated, 'a child scope of the plugin\'s')
  t.notOk('x-request-id' in (await app.inject('/outside')).headers, 'outside the plugin\'s scope: no header, as before')
})

t.test('a Fastify whose log controller is not where we look (another copy) gets the header from a hook, and the same lines', async t => {
  const Other = anotherFastify()
  t.not(Other, Fastify, 'a second copy')
  const { stream, lines } = logCapture()
  const app = Other({ logger: { level: 'info', stream }, ...requestIdOptions() })
  t.teardown(() => app.close())
  await app.register(errorEnvelope)
  app.get('/ok', async () => 'ok')
  app.get('/fail', async () => { throw new ApiError('JOB_NOT_FOUND') })
  await app.ready()
  t.match(routesWithHooks(app), /onRequest/, 'the hook')
  for (const [url, status] of [['/ok', 200], ['/fail', 404], ['/nowhere', 404]] as const) {
    lines.length = 0
    const res = await app.inject(url)
    t.equal(res.statusCode, status, url)
    t.match(res.headers['x-request-id'], generated, `${url}: X-Request-Id`)
    for (const line of lines) t.equal(line.request_id, res.headers['x-request-id'], `${url}: "${String(line.msg)}" carries request_id`)
  }
})
