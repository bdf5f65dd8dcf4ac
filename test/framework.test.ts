import t from 'tap'
import Fastify, { errorCodes, type FastifyInstance } from 'fastify'
import createFastifyError from '@fastify/error'
import sensible from '@fastify/sensible'
import createHttpError from 'http-errors'
import Boom from '@hapi/boom'
import errorEnvelope, { ApiError, clientErrorHandler } from '../src/index.js'
import { build, type Teardown } from './helper.js'
import { connectPair, listen, rawRequest } from './helpers/raw-http.js'

async function echoApp (t: Teardown, opts: Parameters<typeof build>[1] = {}): Promise<FastifyInstance> {
  const app = await build(t, opts)
  app.post('/echo', async (request) => ({ got: request.body }))
  return app
}

t.test('no route: 404 NOT_FOUND naming the method and path', async t => {
  const app = await build(t, { requestId: 'req-abc123' })
  const res = await app.inject('/nope')
  t.equal(res.statusCode, 404)
  t.match(res.headers['content-type'], /^application\/json/)
  t.equal(res.headers['x-request-id'], 'req-abc123')
  t.same(res.json(), { detail: 'Route GET /nope not found', error_code: 'NOT_FOUND', request_id: 'req-abc123' })

  const withQuery = await app.inject({ method: 'DELETE', url: '/nope?token=s3cret&x=1' })
  t.equal(withQuery.statusCode, 404)
  t.equal(withQuery.json().detail, 'Route DELETE /nope not found')
  t.notMatch(withQuery.body, 's3cret', 'the query string is not echoed back')
})

t.test('malformed JSON: 400 BAD_REQUEST with the parser message', async t => {
  const app = await echoApp(t, { requestId: 'req-abc123' })
  const res = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{"prompt":' })
  t.equal(res.statusCode, 400)
  t.same(res.json(), {
    detail: new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY().message,
    error_code: 'BAD_REQUEST',
    request_id: 'req-abc123'
  })
})

t.test('an empty body sent as JSON: 400 BAD_REQUEST', async t => {
  const app = await echoApp(t)
  const res = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '' })
  t.equal(res.statusCode, 400)
  t.equal(res.json().error_code, 'BAD_REQUEST')
  t.equal(res.json().detail, new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY().message)
  t.equal(res.json().request_id, res.headers['x-request-id'])
})

t.test('an unsupported content type: 415 UNSUPPORTED_MEDIA_TYPE', async t => {
  const app = await echoApp(t)
  const res = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/xml' }, payload: '<job/>' })
  t.equal(res.statusCode, 415)
  t.equal(res.json().error_code, 'UNSUPPORTED_MEDIA_TYPE')
  t.type(res.json().detail, 'string')
  t.equal(res.json().request_id, res.headers['x-request-id'])
})

t.test('a body over bodyLimit: 413 PAYLOAD_TOO_LARGE', async t => {
  const app = await echoApp(t, { server: { bodyLimit: 100 } })
  const res = await app.inject({ method: 'POST', url: '/echo', payload: { prompt: 'x'.repeat(500) } })
  t.equal(res.statusCode, 413)
  t.equal(res.json().error_code, 'PAYLOAD_TOO_LARGE')
  t.equal(res.json().request_id, res.headers['x-request-id'])
})

t.test('a prototype-pollution body is refused with a 400 envelope', async t => {
  const app = await build(t)
  let reached = false
  app.post('/echo', async () => { reached = true; return { ok: true } })
  const res = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{"__proto__":{"x":1}}' })
  t.equal(res.statusCode, 400)
  t.equal(res.json().error_code, 'BAD_REQUEST')
  t.same(Object.keys(res.json()).sort(), ['detail', 'error_code', 'request_id'])
  t.notOk(reached, 'the handler never saw the body')
})

t.test('@fastify/error errors are mapped by status, message kept', async t => {
  const MyError = createFastifyError('MY_ERR', 'Thing %s broke', 409)
  const JobNotFound = createFastifyError('JOB_NOT_FOUND', 'Job %s not found', 404)
  const DbDown = createFastifyError('DB_DOWN', 'Database %s is down', 503)
  const app = await build(t, { requestId: 'req-abc123' })
  app.get('/mine', async () => { throw new MyError('gear') })
  app.get('/job', async () => { throw new JobNotFound('job-abc123') })
  app.get('/db', async () => { throw new DbDown('primary.internal:5432') })

  const mine = await app.inject('/mine')
  t.equal(mine.statusCode, 409)
  t.same(mine.json(), { detail: 'Thing gear broke', error_code: 'BAD_REQUEST', request_id: 'req-abc123' })

  const job = await app.inject('/job')
  t.equal(job.statusCode, 404)
  t.same(job.json(), { detail: 'Job job-abc123 not found', error_code: 'JOB_NOT_FOUND', request_id: 'req-abc123' })

  const db = await app.inject('/db')
  t.equal(db.statusCode, 503)
  t.equal(db.json().error_code, 'SYSTEM_OVERLOADED')
  t.notMatch(db.body, 'primary.internal', 'a 5xx keeps its message to the log')
})

t.test('@fastify/sensible errors are mapped by status', async t => {
  const app = await build(t)
  await app.register(sensible)
  app.get('/missing', async (request, reply) => reply.notFound())
  app.get('/conflict', async () => { throw app.httpErrors.conflict('x') })
  app.get('/auth', async () => { throw app.httpErrors.unauthorized() })

  const missing = await app.inject('/missing')
  t.equal(missing.statusCode, 404)
  t.equal(missing.json().error_code, 'NOT_FOUND')
  t.equal(missing.json().detail, 'Not Found')
  t.equal(missing.json().request_id, missing.headers['x-request-id'])

  const conflict = await app.inject('/conflict')
  t.equal(conflict.statusCode, 409)
  t.equal(conflict.json().error_code, 'BAD_REQUEST')
  t.equal(conflict.json().detail, 'x')

  const auth = await app.inject('/auth')
  t.equal(auth.statusCode, 401)
  t.equal(auth.json().error_code, 'AUTH_INVALID_KEY')
  t.equal(auth.json().detail, 'Unauthorized')
})

t.test('http-errors are mapped by status; a 5xx hides its message', async t => {
  const app = await build(t)
  app.get('/teapot', async () => { throw createHttpError(418) })
  app.get('/busy', async () => { throw createHttpError(503, 'connection pool exhausted on db-3') })

  const teapot = await app.inject('/teapot')
  t.equal(teapot.statusCode, 418)
  t.equal(teapot.json().error_code, 'BAD_REQUEST')
  t.equal(teapot.json().detail, "I'm a Teapot")

  const busy = await app.inject('/busy')
  t.equal(busy.statusCode, 503)
  t.equal(busy.json().error_code, 'SYSTEM_OVERLOADED')
  t.equal(busy.json().detail, 'System at capacity')
  t.notMatch(busy.body, 'db-3')
})

t.test('@hapi/boom errors are mapped by their output status and headers', async t => {
  const app = await build(t, { requestId: 'req-abc123' })
  app.get('/forbidden', async () => { throw Boom.forbidden('nope') })
  app.get('/slow', async () => {
    const err = Boom.tooManyRequests('slow down')
    err.output.headers['Retry-After'] = '30'
    throw err
  })
  app.get('/broken', async () => { throw Boom.badImplementation('secret') })

  const forbidden = await app.inject('/forbidden')
  t.equal(forbidden.statusCode, 403)
  t.same(forbidden.json(), { detail: 'nope', error_code: 'AUTH_INSUFFICIENT_SCOPE', request_id: 'req-abc123' })

  const slow = await app.inject('/slow')
  t.equal(slow.statusCode, 429)
  t.equal(slow.headers['retry-after'], '30')
  // A 429 from elsewhere speaks the preset's words, with the wait it carried.
  t.same(slow.json(), { detail: 'Rate limit exceeded. Retry after 30 seconds', error_code: 'RATE_LIMIT_EXCEEDED', request_id: 'req-abc123', retry_after: 30 })

  const broken = await app.inject('/broken')
  t.equal(broken.statusCode, 500)
  t.equal(broken.json().error_code, 'SYSTEM_INTERNAL_ERROR')
  t.notMatch(broken.body, 'secret')
})

t.test("a route's own 4xx/5xx response schema does not reshape the envelope", async t => {
  const app = await build(t, { requestId: 'req-abc123' })
  const response = {
    200: { type: 'object', properties: { id: { type: 'string' } } },
    404: { type: 'object', properties: { message: { type: 'string' }, statusCode: { type: 'integer' } } },
    500: { type: 'object', additionalProperties: false, properties: { error: { type: 'string' } } }
  }
  app.get('/jobs/:id', { schema: { response } }, async (request) => {
    const { id } = request.params as { id: string }
    if (id === 'crash') throw new Error('database password is hunter2')
    throw new ApiError('JOB_NOT_FOUND', { message: `Job ${id} not found` })
  })

  const notFound = await app.inject('/jobs/job-abc123')
  t.equal(notFound.statusCode, 404)
  t.same(notFound.json(), { detail: 'Job job-abc123 not found', error_code: 'JOB_NOT_FOUND', request_id: 'req-abc123' })

  const crash = await app.inject('/jobs/crash')
  t.equal(crash.statusCode, 500)
  t.same(crash.json(), { detail: 'Unexpected server error', error_code: 'SYSTEM_INTERNAL_ERROR', request_id: 'req-abc123' })
})

// Malformed HTTP, answered by clientErrorHandler on a real socket.

t.test('malformed HTTP gets a 400 envelope from clientErrorHandler', async t => {
  const app = await build(t)
  app.get('/', async () => ({ ok: true }))
  const port = await listen(t, app)
  const res = await rawRequest(port, 'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n')
  t.equal(res.status, 400)
  t.match(res.headers['content-type'], /^application\/json/)
  const body = JSON.parse(res.body)
  t.equal(body.error_code, 'BAD_REQUEST')
  t.type(body.detail, 'string')
  t.match(res.headers['x-request-id'], /^req_/)
  t.equal(body.request_id, res.headers['x-request-id'])
  t.equal(Number(res.headers['content-length']), Buffer.byteLength(res.body))
})

t.test('malformed HTTP to a problem-preset server gets problem+json', async t => {
  const app = await build(t, { plugin: { preset: 'problem' } })
  app.get('/', async () => ({ ok: true }))
  const port = await listen(t, app)
  const res = await rawRequest(port, 'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n')
  t.equal(res.status, 400)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  const body = JSON.parse(res.body)
  t.equal(body.status, 400)
  t.equal(body.code, 'BAD_REQUEST')
  t.equal(body.title, 'Bad Request')
  t.equal(body.request_id, res.headers['x-request-id'])
})

t.test('a connection reset by the client gets no answer and is left to Node', async t => {
  const app = await build(t)
  const port = await listen(t, app)
  const { client, server } = await connectPair(app, port)
  let text = ''
  client.on('data', chunk => { text += chunk.toString() })
  app.server.emit('clientError', Object.assign(new Error('reset'), { code: 'ECONNRESET' }), server)
  await new Promise(resolve => setTimeout(resolve, 50))
  t.equal(text, '')
  t.equal(server.destroyed, false)
  client.destroy()
})

t.test("clientErrorHandler called from the app's own handler, without `this`, answers the default preset", async t => {
  const seen: string[] = []
  const app = Fastify({
    clientErrorHandler: (err, socket) => {
      seen.push(err.message)
      clientErrorHandler(err, socket)
    }
  })
  t.teardown(() => app.close())
  await app.register(errorEnvelope, { preset: 'problem' })
  const port = await listen(t, app)
  const res = await rawRequest(port, 'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n')
  t.equal(res.status, 400)
  t.same(Object.keys(JSON.parse(res.body)), ['detail', 'error_code', 'request_id'], "the default preset's body, not this app's")
  t.equal(seen.length, 1, "the app's own handler ran")
})

t.test('malformed HTTP to a server whose plugin sits in a child context gets the default preset', async t => {
  const app = Fastify({ clientErrorHandler })
  await app.register(async child => {
    await child.register(errorEnvelope, { preset: 'problem' })
  })
  const port = await listen(t, app)
  const res = await rawRequest(port, 'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n')
  t.equal(res.status, 400)
  t.same(Object.keys(JSON.parse(res.body)), ['detail', 'error_code', 'request_id'])
})
