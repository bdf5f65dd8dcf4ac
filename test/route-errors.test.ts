import rateLimit from '@fastify/rate-limit'
import swagger from '@fastify/swagger'
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify'
import t from 'tap'
import errorEnvelope, { ApiError, defineErrors, presets, type ErrorEnvelopeOptions } from '../src/index.js'
import { testPluginOptions, testServerOptions } from '../src/testing.js'
import { logCapture } from './helper.js'
import { freePort, redisClient } from './redis-server.js'

type Doc = Record<string, any>

const errors = defineErrors({
  JOB_QUEUE_FULL: { status: 503, message: 'The job queue is full', retryable: true, category: 'Job' }
})

async function app (t: { teardown: (fn: () => unknown) => void }, plugin: ErrorEnvelopeOptions = {}, server: object = {}): Promise<FastifyInstance> {
  const instance = Fastify({ ...testServerOptions({ requestId: 'req_1234567890' }), ...server })
  t.teardown(() => instance.close())
  await instance.register(swagger, { openapi: { info: { title: 'Jobs', version: '1.0.0' } } })
  await instance.register(errorEnvelope, { ...testPluginOptions(), ...plugin })
  return instance
}

async function documentOf (a: FastifyInstance): Promise<Doc> {
  await a.ready()
  return a.swagger() as Doc
}

/** Status → the codes of its examples, for the error responses of an operation. */
function codesByStatus (operation: Doc): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const [status, response] of Object.entries(operation.responses as Doc)) {
    const examples = response.content?.['application/json']?.examples
    if (examples !== undefined) out[status] = Object.keys(examples)
  }
  return out
}

t.test('a route with five codes on three statuses: one response per status, listing its codes, one example each', async t => {
  const a = await app(t, { documentConditions: false })
  a.get('/v1/jobs/:id', {
    config: { errors: ['AUTH_MISSING_KEY', presets.aitbc.errors.AUTH_INVALID_KEY, 'JOB_NOT_FOUND', 'JOB_ALREADY_CLAIMED', presets.aitbc.errors.JOB_ALREADY_COMPLETED] },
    schema: { response: { 200: { type: 'object', properties: { id: { type: 'string' } } } } }
  }, async () => ({ id: 'job-1' }))
  const operation = (await documentOf(a)).paths['/v1/jobs/{id}'].get
  t.same(Object.keys(operation.responses).sort(), ['200', '401', '404', '409'], 'the success response kept, a response per status')
  t.same(codesByStatus(operation), {
    401: ['AUTH_MISSING_KEY', 'AUTH_INVALID_KEY'],
    404: ['JOB_NOT_FOUND'],
    409: ['JOB_ALREADY_CLAIMED', 'JOB_ALREADY_COMPLETED']
  })
  t.equal(operation.responses['401'].description, '- `AUTH_MISSING_KEY`: No API key provided\n- `AUTH_INVALID_KEY`: API key is invalid')
  t.same(operation.responses['404'].content['application/json'].schema, { $ref: '#/components/schemas/def-0' }, 'the format\'s schema, by reference')
  const schemas = Object.values((await documentOf(a)).components.schemas) as Doc[]
  t.equal(schemas.filter(s => s.title === 'FlatError').length, 1, 'registered once')
  t.match(operation.description, /Errors: `AUTH_MISSING_KEY` \(401\), `AUTH_INVALID_KEY` \(401\), `JOB_NOT_FOUND` \(404\)/, 'the declared codes are in the route\'s description')
})

t.test('a route under a prefix, and one in an encapsulated plugin, are documented at their full path', async t => {
  const a = await app(t, { errors, documentConditions: false })
  const jobs: FastifyPluginAsync = async child => {
    child.get('/jobs/:id', { config: { errors: ['JOB_NOT_FOUND'] } }, async () => { throw new ApiError('JOB_NOT_FOUND') })
  }
  await a.register(jobs, { prefix: '/v1' })
  await a.register(async function encapsulated (child) {
    child.addHook('onRequest', async () => {})
    await child.register(async grandchild => {
      grandchild.post('/v2/jobs', { config: { errors: [errors.JOB_QUEUE_FULL] } }, async () => { throw errors.JOB_QUEUE_FULL() })
    })
  })
  const doc = await documentOf(a)
  t.same(codesByStatus(doc.paths['/v1/jobs/{id}'].get), { 404: ['JOB_NOT_FOUND'] })
  t.same(codesByStatus(doc.paths['/v2/jobs'].post), { 503: ['JOB_QUEUE_FULL'] }, 'a code of the user\'s catalog, by its factory')
  const res = await a.inject({ method: 'POST', url: '/v2/jobs' })
  t.same(res.json(), doc.paths['/v2/jobs'].post.responses['503'].content['application/json'].examples.JOB_QUEUE_FULL.value)
})

t.test('an unknown code fails the route\'s registration, naming the route and the code, with the code it is closest to', async t => {
  const a = await app(t)
  t.throws(() => a.get('/v1/jobs/:id', { config: { errors: ['JOB_NOT_FUOND'] } }, async () => 'x'), {
    name: 'TypeError',
    message: "fastify-error-envelope: route GET /v1/jobs/:id declares error code 'JOB_NOT_FUOND' in config.errors, which the active catalog does not know, did you mean 'JOB_NOT_FOUND'?"
  })
  t.throws(() => a.post('/v1/x', { config: { errors: ['NOPE_NOTHING_LIKE_IT'] } }, async () => 'x'), {
    message: /route POST \/v1\/x declares error code 'NOPE_NOTHING_LIKE_IT' .* does not know: add it to the plugin's errors option/
  })
  t.throws(() => a.post('/v1/y', { config: { errors: [errors.JOB_QUEUE_FULL] } }, async () => 'x'), {
    message: /route POST \/v1\/y declares error code 'JOB_QUEUE_FULL'/
  }, 'a factory of a catalog the plugin was not given')
  t.throws(() => a.post('/v1/z', { config: { errors: 'JOB_NOT_FOUND' as never } }, async () => 'x'), {
    message: "fastify-error-envelope: option 'config.errors' of route POST /v1/z expects an array of error codes or factories, instead got 'JOB_NOT_FOUND'"
  })
  t.throws(() => a.post('/v1/w', { config: { errors: [42 as never] } }, async () => 'x'), {
    message: "fastify-error-envelope: option 'config.errors' of route POST /v1/w expects error codes or their factories, instead got 42"
  })
  t.throws(() => a.post('/v1/v', { config: { errors: [null as never] } }, async () => 'x'), {
    message: "fastify-error-envelope: option 'config.errors' of route POST /v1/v expects error codes or their factories, instead got null"
  })
  t.throws(() => a.route({ method: ['GET', 'POST'], url: '/v1/u', config: { errors: ['JOB_NOT_FUOND'] }, handler: async () => 'x' }), {
    message: /^fastify-error-envelope: route GET,POST \/v1\/u declares error code 'JOB_NOT_FUOND'/
  }, 'a route of several methods is named by all of them')
})

t.test('a route\'s own description is kept, the declared codes after it; a code may be declared as { code, status }', async t => {
  const a = await app(t, { documentConditions: false })
  a.get('/v1/jobs/:id', {
    config: { errors: [{ code: 'JOB_NOT_FOUND', status: 404 }] },
    schema: { description: 'Fetches a job.' }
  }, async () => ({ id: 'job-1' }))
  a.get('/v1/blank', { config: { errors: ['JOB_NOT_FOUND'] }, schema: { description: '' } }, async () => 'x')
  const operation = (await documentOf(a)).paths['/v1/jobs/{id}'].get
  t.equal(operation.description, 'Fetches a job.\n\nErrors: `JOB_NOT_FOUND` (404).')
  t.same(codesByStatus(operation), { 404: ['JOB_NOT_FOUND'] })
  t.equal((await documentOf(a)).paths['/v1/blank'].get.description, 'Errors: `JOB_NOT_FOUND` (404).', 'a blank description is not kept as a blank paragraph')
})

t.test('a route registered before the plugin with config.errors fails ready instead of going undocumented', async t => {
  const a = Fastify()
  t.teardown(() => a.close())
  a.get('/v1/early', { config: { errors: ['JOB_NOT_FOUND'] } }, async () => 'x')
  await a.register(errorEnvelope)
  await t.rejects(async () => { await a.ready() }, { name: 'TypeError', message: /route 'GET \/v1\/early' was registered before the plugin/ })
})

t.test('a status the route documents itself: a declared code on it is refused, a condition on it left to the route', async t => {
  const a = await app(t)
  t.throws(() => a.get('/v1/a', {
    config: { errors: ['JOB_NOT_FOUND'] },
    schema: { response: { 404: { type: 'object', properties: { detail: { type: 'string' } } } } }
  }, async () => 'x'), { message: /route GET \/v1\/a declares 'JOB_NOT_FOUND' \(404\) in config.errors, and its schema.response already has 404/ })
  const own = { description: 'Our own 500', type: 'object', properties: { detail: { type: 'string' } } }
  a.get('/v1/b', { config: { errors: ['JOB_NOT_FOUND'] }, schema: { response: { 500: own } } }, async () => 'x')
  const doc = await documentOf(a)
  t.equal(doc.paths['/v1/b'].get.responses['500'].description, 'Our own 500')
  t.same(codesByStatus(doc.paths['/v1/b'].get), { 404: ['JOB_NOT_FOUND'] })
})

t.test('a schema object shared by two routes gets each route\'s own errors', async t => {
  const a = await app(t, { documentConditions: false })
  const schema = { querystring: { type: 'object', properties: { q: { type: 'string' } } } }
  a.get('/v1/a', { schema, config: { errors: ['JOB_NOT_FOUND'] } }, async () => 'x')
  a.get('/v1/b', { schema, config: { errors: ['JOB_EXPIRED'] } }, async () => 'x')
  a.get('/v1/c', { schema }, async () => 'x')
  const doc = await documentOf(a)
  t.same(codesByStatus(doc.paths['/v1/a'].get), { 404: ['JOB_NOT_FOUND'] })
  t.same(codesByStatus(doc.paths['/v1/b'].get), { 410: ['JOB_EXPIRED'] })
  t.same(codesByStatus(doc.paths['/v1/c'].get), {}, 'a route that declares nothing is left as it is')
  t.same(Object.keys(schema), ['querystring'], 'the shared object is not changed')
})

t.test('the conditions a route meets are documented with its declared codes', async t => {
  await t.test('a body route with a schema: validation, the body conditions and the internal error', async t => {
    const a = await app(t)
    a.post('/v1/jobs', { config: { errors: ['JOB_NOT_FOUND'] }, schema: { body: { type: 'object', properties: { name: { type: 'string' } } } } }, async () => 'x')
    t.same(codesByStatus((await documentOf(a)).paths['/v1/jobs'].post), {
      400: ['BAD_REQUEST'],
      404: ['JOB_NOT_FOUND'],
      413: ['PAYLOAD_TOO_LARGE'],
      415: ['UNSUPPORTED_MEDIA_TYPE'],
      422: ['VALIDATION_MISSING_FIELD', 'VALIDATION_INVALID_TYPE', 'VALIDATION_OUT_OF_RANGE', 'VALIDATION_INVALID_FORMAT'],
      500: ['SYSTEM_INTERNAL_ERROR']
    })
  })
  await t.test('a GET without a schema: only the internal error; rate limits and maintenance when on', async t => {
    const a = await app(t, { rateLimit: { max: 100, timeWindow: 60_000, quota: { max: 1000, timeWindow: '1 day' } }, maintenance: { enabled: false } })
    a.get('/v1/a', { config: { errors: [] } }, async () => 'x')
    a.get('/v1/b', { config: { errors: [], rateLimit: false } }, async () => 'x')
    const doc = await documentOf(a)
    t.same(codesByStatus(doc.paths['/v1/a'].get), { 429: ['RATE_LIMIT_EXCEEDED', 'RATE_QUOTA_EXCEEDED'], 500: ['SYSTEM_INTERNAL_ERROR'], 503: ['SYSTEM_MAINTENANCE'] })
    t.ok(doc.paths['/v1/a'].get.responses['429'].headers['retry-after'], 'Retry-After documented on 429')
    t.same(codesByStatus(doc.paths['/v1/b'].get), { 500: ['SYSTEM_INTERNAL_ERROR'], 503: ['SYSTEM_MAINTENANCE'] }, 'not rate limited: no 429')
  })
  await t.test('a route out of the quota has no quota response; a route of GET and POST meets the body conditions', async t => {
    const a = await app(t, { rateLimit: { max: 100, timeWindow: 60_000, quota: { max: 1000, timeWindow: '1 day' } } })
    a.get('/v1/c', { config: { errors: [], rateLimit: { quota: false } } }, async () => 'x')
    a.route({ method: ['GET', 'POST'], url: '/v1/d', config: { errors: ['JOB_NOT_FOUND'] }, handler: async () => 'x' })
    const doc = await documentOf(a)
    t.same(codesByStatus(doc.paths['/v1/c'].get), { 429: ['RATE_LIMIT_EXCEEDED'], 500: ['SYSTEM_INTERNAL_ERROR'] })
    for (const method of ['get', 'post']) {
      t.same(Object.keys(codesByStatus(doc.paths['/v1/d'][method])), ['400', '404', '413', '415', '429', '500'], `${method}: the body conditions, as for POST`)
    }
  })
  await t.test('documentConditions: false lists the declared codes alone', async t => {
    const a = await app(t, { documentConditions: false })
    a.post('/v1/jobs', { config: { errors: ['JOB_NOT_FOUND'] }, schema: { body: { type: 'object' } } }, async () => 'x')
    t.same(codesByStatus((await documentOf(a)).paths['/v1/jobs'].post), { 404: ['JOB_NOT_FOUND'] })
  })
})

t.test('with negotiate, problem details are documented as a second media type', async t => {
  const a = await app(t, { negotiate: true, documentConditions: false })
  a.get('/v1/jobs', { config: { errors: ['JOB_NOT_FOUND'] } }, async () => { throw new ApiError('JOB_NOT_FOUND') })
  const content = (await documentOf(a)).paths['/v1/jobs'].get.responses['404'].content
  t.same(Object.keys(content), ['application/json', 'application/problem+json'])
  const res = await a.inject({ url: '/v1/jobs', headers: { accept: 'application/problem+json' } })
  t.same(content['application/problem+json'].examples.JOB_NOT_FOUND.value, res.json())
  const p = await app(t, { preset: 'problem', negotiate: true, documentConditions: false })
  p.get('/v1/jobs', { config: { errors: ['NOT_FOUND'] } }, async () => { throw new ApiError('NOT_FOUND') })
  t.same(Object.keys((await documentOf(p)).paths['/v1/jobs'].get.responses['404'].content), ['application/problem+json'], 'problem details already: one media type')
})

t.test('options: undeclared and documentConditions are checked like every option', async t => {
  for (const [plugin, message] of [
    [{ undeclared: 'loud' }, "option 'undeclared' expects 'off', 'warn' or 'throw', instead got 'loud'"],
    [{ documentConditions: 'yes' }, "option 'documentConditions' expects a boolean, instead got 'yes'"],
    [{ undeclard: 'warn' }, "unknown option 'undeclard', did you mean 'undeclared'?"]
  ] as const) {
    const a = Fastify()
    t.teardown(() => a.close())
    await t.rejects(async () => { await a.register(errorEnvelope, plugin as never) }, { name: 'TypeError', message: `fastify-error-envelope: ${message}` })
  }
})

t.test('undeclared codes', async t => {
  const routes = (a: FastifyInstance): void => {
    a.post('/v1/jobs/:id', {
      config: { errors: ['JOB_NOT_FOUND'] },
      schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } }
    }, async request => {
      const { name } = request.body as { name: string }
      if (name === 'expired') throw presets.aitbc.errors.JOB_EXPIRED()
      if (name === 'crash') throw new Error('boom')
      throw new ApiError('JOB_NOT_FOUND')
    })
    a.get('/v1/free', async () => { throw presets.aitbc.errors.JOB_EXPIRED() })
  }
  const post = async (a: FastifyInstance, name?: string): Promise<Awaited<ReturnType<FastifyInstance['inject']>>> =>
    await a.inject({ method: 'POST', url: '/v1/jobs/1', payload: name === undefined ? {} : { name } })

  await t.test('warn (the default): one line per route and code, the answer unchanged', async t => {
    const { stream, lines } = logCapture()
    const a = await app(t, {}, { logger: { stream } })
    routes(a)
    for (let i = 0; i < 3; i++) t.equal((await post(a, 'expired')).statusCode, 410)
    await post(a, 'found')
    await post(a)            // a validation failure: a condition
    await post(a, 'crash')   // the internal error: a condition
    await a.inject('/v1/free') // a route that declares nothing
    const warned = lines.filter(l => l.level === 40 && /config\.errors/.test(l.msg))
    t.equal(warned.length, 1)
    t.match(warned[0], { route: 'POST /v1/jobs/:id', error_code: 'JOB_EXPIRED', msg: /route POST \/v1\/jobs\/:id answered 'JOB_EXPIRED', which its config.errors does not declare/ })
  })

  await t.test('throw: the internal error, and the log says why', async t => {
    const { stream, lines } = logCapture()
    const a = await app(t, { undeclared: 'throw' }, { logger: { stream } })
    routes(a)
    const res = await post(a, 'expired')
    t.equal(res.statusCode, 500)
    t.same(res.json(), { detail: 'Unexpected server error', error_code: 'SYSTEM_INTERNAL_ERROR', request_id: 'req_1234567890' })
    t.ok(lines.some(l => l.level === 50 && /answered 'JOB_EXPIRED', which its config.errors does not declare \(option undeclared: 'throw'\)/.test(l.msg)))
    t.equal((await post(a, 'found')).statusCode, 404, 'a declared code is answered')
    t.equal((await post(a)).statusCode, 422, 'a condition is answered')
    t.equal((await a.inject('/v1/free')).statusCode, 410, 'a route that declares nothing is not checked')
  })

  await t.test('throw: what Fastify raises on any route is answered as it is, declared or not', async t => {
    const a = await app(t, { undeclared: 'throw' })
    a.delete('/v1/jobs/:id', { config: { errors: ['JOB_NOT_FOUND'] } }, async () => { throw new ApiError('JOB_NOT_FOUND') })
    // A DELETE may carry a body; this one is not JSON.
    const res = await a.inject({ method: 'DELETE', url: '/v1/jobs/1', headers: { 'content-type': 'application/json' }, payload: '{' })
    t.equal(res.statusCode, 400)
    t.not(res.json().error_code, 'SYSTEM_INTERNAL_ERROR')
  })

  await t.test('warn with no route that declares its errors: nothing is checked or logged', async t => {
    const { stream, lines } = logCapture()
    const a = await app(t, {}, { logger: { stream } })
    a.get('/v1/free', async () => { throw presets.aitbc.errors.JOB_EXPIRED() })
    t.equal((await a.inject('/v1/free')).statusCode, 410)
    t.notOk(lines.some(l => /config\.errors/.test(String(l.msg))))
  })

  await t.test('off: nothing checked, nothing logged', async t => {
    const { stream, lines } = logCapture()
    const a = await app(t, { undeclared: 'off' }, { logger: { stream } })
    routes(a)
    t.equal((await post(a, 'expired')).statusCode, 410)
    t.notOk(lines.some(l => /config\.errors/.test(String(l.msg))))
  })
})

t.test('the docs pages list, for each code, the routes that declare it', async t => {
  const a = await app(t, { docs: {}, errors })
  a.get('/v1/jobs/:id', { config: { errors: ['JOB_NOT_FOUND', 'JOB_EXPIRED'] } }, async () => 'x')
  await a.register(async child => {
    child.delete('/jobs/:id', { config: { errors: ['JOB_NOT_FOUND'] } }, async () => 'x')
  }, { prefix: '/v2' })
  a.post('/v1/jobs', { config: { errors: [errors.JOB_QUEUE_FULL] } }, async () => 'x')
  await a.ready()
  const index = (await a.inject('/errors')).body
  const row = (code: string): string => new RegExp(`<tr id="${code}"[^>]*>(.*?)</tr>`, 's').exec(index)?.[1] ?? ''
  t.match(row('JOB_NOT_FOUND'), 'Returned by <code>GET /v1/jobs/:id</code>, <code>DELETE /v2/jobs/:id</code>')
  t.match(row('JOB_EXPIRED'), 'Returned by <code>GET /v1/jobs/:id</code>')
  t.match(row('JOB_QUEUE_FULL'), 'Returned by <code>POST /v1/jobs</code>')
  t.notMatch(row('JOB_ALREADY_CLAIMED'), 'Returned by', 'a code no route declares lists none')
  t.notMatch(index, '<!--routes', 'no marker left')
  t.match((await a.inject('/errors/JOB_NOT_FOUND')).body, 'Returned by <code>GET /v1/jobs/:id</code>, <code>DELETE /v2/jobs/:id</code>')
})

t.test('an app schema of its own under the format schema\'s $id fails the declaring route, naming it', async t => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.addSchema({ $id: 'FlatError', type: 'object', properties: { mine: { type: 'string' } } })
  await app.register(errorEnvelope, { format: 'flat' })
  t.throws(() => app.get('/jobs', { config: { errors: ['NOT_FOUND'] } }, async () => ({})), { name: 'TypeError', message: /route GET \/jobs .*schema 'FlatError'.*another \$id/ })
})

t.test('config.errors items: a code, a factory or an object with a code; anything else fails the route naming it', async t => {
  const a = await app(t, { documentConditions: false })
  a.get('/v1/object', { config: { errors: [{ code: 'JOB_NOT_FOUND' }] as never } }, async () => 'x')
  t.same(codesByStatus((await documentOf(a)).paths['/v1/object'].get), { 404: ['JOB_NOT_FOUND'] })
  for (const [item, shown] of [[42, '42'], [null, 'null'], [{ status: 404 }, 'an object']] as const) {
    const b = await app(t)
    t.throws(() => b.get('/v1/bad', { config: { errors: [item] as never } }, async () => 'x'), {
      name: 'TypeError',
      message: new RegExp(`option 'config\\.errors' of route GET /v1/bad expects error codes or their factories, instead got ${shown}`)
    }, String(shown))
  }
})

t.test('a route that declares no code, with documentConditions off, keeps its schema as it was', async t => {
  const a = await app(t, { documentConditions: false })
  a.get('/v1/plain', { config: { errors: [] }, schema: { description: 'Plain', response: { 200: { type: 'string' } } } }, async () => 'x')
  const operation = (await documentOf(a)).paths['/v1/plain'].get
  t.same(Object.keys(operation.responses), ['200'])
  t.equal(operation.description, 'Plain')
})

t.test("a route's own description comes first, then the line of its declared codes", async t => {
  const a = await app(t, { documentConditions: false })
  a.get('/v1/described', { config: { errors: ['JOB_NOT_FOUND'] }, schema: { description: 'Gets a job.' } }, async () => 'x')
  a.get('/v1/blank', { config: { errors: ['JOB_NOT_FOUND'] }, schema: { description: '' } }, async () => 'x')
  const doc = await documentOf(a)
  t.equal(doc.paths['/v1/described'].get.description, 'Gets a job.\n\nErrors: `JOB_NOT_FOUND` (404).')
  t.equal(doc.paths['/v1/blank'].get.description, 'Errors: `JOB_NOT_FOUND` (404).')
})

t.test('a route of several methods is documented for each, and the undeclared warning names them all', async t => {
  const { stream, lines } = logCapture()
  const a = await app(t, {}, { logger: { stream } })
  a.route({ method: ['GET', 'POST'], url: '/v1/both', config: { errors: ['JOB_NOT_FOUND'] }, handler: async () => { throw presets.aitbc.errors.JOB_EXPIRED() } })
  const doc = await documentOf(a)
  t.ok(doc.paths['/v1/both'].post.responses['415'], 'a POST among the methods: the body conditions are documented')
  t.ok(doc.paths['/v1/both'].get.responses['404'])
  t.equal((await a.inject('/v1/both')).statusCode, 410)
  t.ok(lines.some(l => l.level === 40 && l.route === 'GET,POST /v1/both'), 'the route named with its methods')
})

t.test('conditions a route meets without their being listed for it are not undeclared codes', async t => {
  const { stream, lines } = logCapture()
  const a = await app(t, { undeclared: 'throw' }, { logger: { stream } })
  a.addContentTypeParser('application/x-custom', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, JSON.parse(body as string))
    } catch (err) {
      done(Object.assign(err as Error, { statusCode: 400 }), undefined)
    }
  })
  // A method of the app's own with a body: Fastify parses it, its documentation lists no body condition.
  a.addHttpMethod('REPORT', { hasBody: true })
  a.route({ method: 'REPORT', url: '/v1/jobs/:id', config: { errors: ['JOB_NOT_FOUND'] }, handler: async () => 'reported' })
  // The app's own @fastify/rate-limit, in a context of its own: its 429 is no code the route could declare.
  await a.register(async function limited (child) {
    await child.register(rateLimit, { max: 0, timeWindow: 60_000 })
    child.get('/v1/limited', { config: { errors: ['JOB_NOT_FOUND'] } }, async () => 'never')
  })
  a.get('/v1/checked', { config: { errors: ['JOB_NOT_FOUND'] } }, async () => {
    throw Object.assign(new Error('body/name must be string'), {
      statusCode: 400, validationContext: 'body', validation: [{ keyword: 'type', instancePath: '/name', params: { type: 'string' }, message: 'must be string' }]
    })
  })
  const json = await a.inject({ method: 'REPORT' as 'GET', url: '/v1/jobs/1', headers: { 'content-type': 'application/json' }, payload: '{nope' })
  t.equal(json.statusCode, 400, "Fastify's JSON parser error")
  const parser = await a.inject({ method: 'REPORT' as 'GET', url: '/v1/jobs/1', headers: { 'content-type': 'application/x-custom' }, payload: '{nope' })
  t.equal(parser.statusCode, 400, "a parser's SyntaxError")
  const validation = await a.inject('/v1/checked')
  t.equal(validation.statusCode, 422, 'a validation error the route raised itself')
  const limited = await a.inject('/v1/limited')
  t.equal(limited.statusCode, 429, "the app's own @fastify/rate-limit refusing (it answered 500 under undeclared: 'throw')")
  t.equal(limited.json().error_code, 'RATE_LIMIT_EXCEEDED')
  t.notOk(lines.some(l => /config\.errors does not declare/.test(String(l.msg))), 'none of them is refused')
})

t.test("the limiter's own 503 when its store is down (onStoreError: 'closed') is a condition, not an undeclared code", async t => {
  const client = await redisClient(await freePort(), { t, waitReady: false })
  const { stream, lines } = logCapture()
  const a = await app(t, { undeclared: 'throw', rateLimit: { max: 5, timeWindow: 60_000, redis: client, onStoreError: 'closed', storeTimeout: 300 } }, { logger: { stream } })
  a.get('/v1/jobs', { config: { errors: ['JOB_NOT_FOUND'] } }, async () => 'x')
  const res = await a.inject('/v1/jobs')
  t.equal(res.statusCode, 503)
  t.equal(res.json().error_code, 'SYSTEM_OVERLOADED', 'not turned into the internal error')
  t.notOk(lines.some(l => /config\.errors does not declare/.test(String(l.msg))))
  const doc = await documentOf(a)
  t.same(doc.paths['/v1/jobs'].get.responses['503'].content['application/json'].examples.SYSTEM_OVERLOADED.value, res.json(), 'and it is documented, with the answer as example')
})

t.test('a DELETE route documents the body errors Fastify answers when it is sent a body', async t => {
  const a = await app(t)
  a.delete('/v1/jobs/:id', { config: { errors: ['JOB_NOT_FOUND'] } }, async () => 'x')
  const doc = await documentOf(a)
  const res = await a.inject({ method: 'DELETE', url: '/v1/jobs/1', headers: { 'content-type': 'application/json' }, payload: '{"a":' })
  const code = res.json().error_code as string
  t.equal(res.statusCode, 400, 'Fastify parses a DELETE body')
  t.ok(codesByStatus(doc.paths['/v1/jobs/{id}'].delete)['400']?.includes(code), `${code} is documented`)
})

t.test("a route's `query` schema (Fastify's alias of querystring) documents the validation codes, its example naming the field", async t => {
  const a = await app(t, { preset: 'problem' })
  a.get('/v1/search', { config: { errors: [] }, schema: { query: { type: 'object', properties: { limit: { type: 'integer' } } } } as never }, async () => 'x')
  const responses = (await documentOf(a)).paths['/v1/search'].get.responses
  const example = responses['422'].content['application/problem+json'].examples.VALIDATION_FAILED.value
  t.same(example.errors.map((e: Doc) => e.parameter), ['limit'], 'the field of the query schema, named as a query parameter (RFC 9457 §3.1: a pointer is into the body)')
})

t.test('a route whose own limit turns the quota off documents the rate limit alone', async t => {
  const a = await app(t, { rateLimit: { max: 100, timeWindow: 60_000, quota: { max: 1000, timeWindow: '1 day' } } })
  a.get('/v1/unmetered', { config: { errors: [], rateLimit: { max: 10, quota: false } } }, async () => 'x')
  t.same(codesByStatus((await documentOf(a)).paths['/v1/unmetered'].get)['429'], ['RATE_LIMIT_EXCEEDED'])
})

t.test('with a custom format, the error responses say nothing of the body shape, and their examples are what it answers', async t => {
  const a = await app(t, { format: record => ({ oops: record.code }), documentConditions: false })
  a.get('/v1/jobs/:id', { config: { errors: ['JOB_NOT_FOUND'] } }, async () => { throw new ApiError('JOB_NOT_FOUND') })
  const content = (await documentOf(a)).paths['/v1/jobs/{id}'].get.responses['404'].content['application/json']
  t.same(content.schema, {})
  t.same(content.examples.JOB_NOT_FOUND.value, (await a.inject('/v1/jobs/1')).json())
})
