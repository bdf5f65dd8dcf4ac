/**
 * Which errors are trusted (docs/safety.md, "Which errors are trusted"): errors of
 * outbound calls answer the preset's upstream condition; only errors made to be
 * answers keep their status and message; the rest keep a 4xx status at most.
 */
import t from 'tap'
import createFastifyError from '@fastify/error'
import sensible from '@fastify/sensible'
import createHttpError from 'http-errors'
import Boom from '@hapi/boom'
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { ApiError, type PresetName } from '../src/index.js'
import { build, logCapture } from './helper.js'
import { catalogMessage, codeOf, messageOf, presetNames, target, type Body } from './helpers/presets.js'

/** A request of ky / fetch, made without a network. */
const fetchRequest = (): Request => new Request('https://api.example.com/v1/secret-path', { headers: { authorization: 'Bearer SECRET-token' } })

/** Errors as outbound clients throw them, each with a status and a message the answer must not show. */
const outboundErrors: Array<[string, () => unknown, 'upstream' | 'upstreamTimeout']> = [
  ['axios response error', () => Object.assign(new Error('SECRET-axios Request failed with status code 401'), {
    name: 'AxiosError',
    isAxiosError: true,
    code: 'ERR_BAD_REQUEST',
    status: 401,
    config: { headers: { Authorization: 'Bearer SECRET-token' } },
    response: { status: 401, headers: { 'set-cookie': 'SECRET-cookie' }, data: { error: 'SECRET-body' } }
  }), 'upstream'],
  ['axios timeout', () => Object.assign(new Error('SECRET-timeout of 1000ms exceeded'), { name: 'AxiosError', isAxiosError: true, code: 'ECONNABORTED', config: {} }), 'upstreamTimeout'],
  ['got HTTPError', () => Object.assign(new Error('SECRET-Response code 403 (Forbidden)'), {
    name: 'HTTPError', code: 'ERR_NON_2XX_3XX_RESPONSE', options: { headers: {} }, response: { statusCode: 403, body: 'SECRET-body' }, timings: {}
  }), 'upstream'],
  ['got RequestError', () => Object.assign(new Error('SECRET-connect ECONNREFUSED'), { name: 'RequestError', code: 'ECONNREFUSED', options: {} }), 'upstream'],
  ['got TimeoutError', () => Object.assign(new Error('SECRET-Timeout awaiting request'), { name: 'TimeoutError', code: 'ETIMEDOUT', event: 'request', options: {} }), 'upstreamTimeout'],
  ['ky HTTPError', () => Object.assign(new Error('SECRET-Request failed with status code 404 Not Found'), {
    name: 'HTTPError', request: fetchRequest(), response: new Response('SECRET-body', { status: 404 }), options: {}
  }), 'upstream'],
  ['ky TimeoutError', () => Object.assign(new Error('SECRET-Request timed out'), { name: 'TimeoutError', request: fetchRequest() }), 'upstreamTimeout'],
  ['undici ResponseStatusCodeError', () => Object.assign(new Error('SECRET-Response status code 400: Bad Request'), {
    name: 'ResponseStatusCodeError', code: 'UND_ERR_RESPONSE_STATUS_CODE', statusCode: 400, status: 400, headers: { 'set-cookie': 'SECRET-cookie' }, body: 'SECRET-body'
  }), 'upstream'],
  ['undici HeadersTimeoutError', () => Object.assign(new Error('SECRET-Headers Timeout Error'), { name: 'HeadersTimeoutError', code: 'UND_ERR_HEADERS_TIMEOUT' }), 'upstreamTimeout'],
  ['undici other client error', () => Object.assign(new Error('SECRET-other side closed'), { name: 'SocketError', code: 'UND_ERR_SOCKET' }), 'upstream'],
  ['fetch failure', () => new TypeError('fetch failed', { cause: Object.assign(new Error('SECRET-connect ECONNREFUSED 10.0.0.3:443'), { code: 'ECONNREFUSED' }) }), 'upstream'],
  ['an SDK error carrying fetch Headers', () => Object.assign(new Error('SECRET-401 Unauthorized'), { status: 401, headers: new Headers({ 'set-cookie': 'SECRET-cookie' }) }), 'upstream'],
  ['any error carrying the response of a call', () => Object.assign(new Error('SECRET-upstream said no'), { statusCode: 409, response: { status: 409 } }), 'upstream'],
  ['any error carrying the request of a call', () => Object.assign(new Error('SECRET-upstream said no'), { statusCode: 400, request: { method: 'GET', path: '/v1' } }), 'upstream'],
  ['an error with a socket code', () => Object.assign(new Error('SECRET-read ECONNRESET'), { code: 'ECONNRESET', statusCode: 400 }), 'upstream']
]

t.test('errors of outbound calls, of every client, answer the upstream condition with nothing of theirs', async t => {
  for (const preset of presetNames) {
    const app = await build(t, { plugin: { preset } })
    outboundErrors.forEach(([, make], i) => app.get(`/${i}`, async () => { throw make() }))
    for (const [i, [label, , condition]] of outboundErrors.entries()) {
      const res = await app.inject(`/${i}`)
      const expected = target(preset, condition)
      t.equal(res.statusCode, expected.status, `${preset}, ${label}: status`)
      t.equal(codeOf(res.json()), expected.code, `${preset}, ${label}: code`)
      t.notMatch(res.body + JSON.stringify(res.headers), /SECRET/, `${preset}, ${label}: nothing of the error in the answer`)
      t.equal(res.headers['set-cookie'], undefined, `${preset}, ${label}: no upstream header`)
    }
  }
})

t.test('errors made to be answers keep their status and message', async t => {
  const Locked = createFastifyError('FEE_TEST_LOCKED', 'Thing %s is locked', 423)
  const NoStatus = createFastifyError('FEE_TEST_NO_STATUS', 'Plain fastify error', 0)
  const trusted: Array<[string, () => unknown, number, string | undefined]> = [
    ['ApiError', () => new ApiError('CUSTOM_CONFLICT', { status: 409, message: 'Version 3 is stale' }), 409, 'Version 3 is stale'],
    ['@fastify/error', () => new Locked('job-7'), 423, 'Thing job-7 is locked'],
    ['http-errors 4xx', () => createHttpError(409, 'Version conflict'), 409, 'Version conflict'],
    ['http-errors 4xx with expose false', () => createHttpError(400, 'SECRET-unexposed', { expose: false }), 400, undefined],
    ['http-errors 5xx', () => createHttpError(503, 'SECRET-db down'), 503, undefined],
    ['Boom 4xx', () => Boom.conflict('Boom conflict'), 409, 'Boom conflict'],
    ['Boom 5xx', () => Boom.badImplementation('SECRET-boom'), 500, undefined]
  ]
  for (const preset of presetNames) {
    const app = await build(t, { plugin: { preset } })
    await app.register(sensible)
    trusted.forEach(([, make], i) => app.get(`/${i}`, async () => { throw make() }))
    app.get('/sensible', async (_request, reply) => reply.conflict('Sensible conflict'))
    app.get('/fastify-error-on-404-reply', async (_request, reply) => { reply.code(404); throw new NoStatus() })
    for (const [i, [label, , status, message]] of trusted.entries()) {
      const res = await app.inject(`/${i}`)
      t.equal(res.statusCode, status, `${preset}, ${label}: status`)
      if (message !== undefined) t.equal(messageOf(res.json()), message, `${preset}, ${label}: its message`)
      t.notMatch(res.body, /SECRET/, `${preset}, ${label}: a message not meant to be shown is not`)
    }
    const sensibleRes = await app.inject('/sensible')
    t.equal(sensibleRes.statusCode, 409)
    t.equal(messageOf(sensibleRes.json()), 'Sensible conflict', `${preset}: @fastify/sensible keeps its message`)
    const onReply = await app.inject('/fastify-error-on-404-reply')
    t.equal(onReply.statusCode, 404, `${preset}: a FastifyError without status takes the reply's`)
    t.equal(messageOf(onReply.json()), 'Plain fastify error', `${preset}: and keeps its message`)
  }
})

t.test('any other error keeps a 4xx status at most, and answers the catalog\'s message for it', async t => {
  const untrusted: Array<[string, () => unknown, number]> = [
    ['Error with statusCode 404', () => Object.assign(new Error('SECRET-row 42 of table users'), { statusCode: 404 }), 404],
    ['Error with status 409', () => Object.assign(new Error('SECRET-duplicate key'), { status: 409 }), 409],
    ['plain object with statusCode 403', () => ({ statusCode: 403, message: 'SECRET-acl' }), 403],
    ['object whose code is a catalog code', () => ({ statusCode: 401, code: 'AUTH_INVALID_KEY', message: 'SECRET-from-elsewhere' }), 401],
    ['Error with statusCode 503', () => Object.assign(new Error('SECRET-db down'), { statusCode: 503 }), 500],
    ['Error with status 502', () => Object.assign(new Error('SECRET-bad gateway'), { status: 502 }), 500],
    ['Error with expose but no matching status', () => Object.assign(new Error('SECRET-expose'), { expose: true, statusCode: 400 }), 400],
    ['Error named FastifyError without its mark', () => Object.assign(new Error('SECRET-fake'), { name: 'FastifyError', statusCode: 400 }), 400],
    ['object claiming isBoom without output', () => ({ isBoom: true, statusCode: 400, message: 'SECRET-boomish' }), 400]
  ]
  for (const preset of presetNames) {
    const app = await build(t, { plugin: { preset } })
    untrusted.forEach(([, make], i) => app.get(`/${i}`, async () => { throw make() }))
    for (const [i, [label, , status]] of untrusted.entries()) {
      const res = await app.inject(`/${i}`)
      const body = res.json()
      t.equal(res.statusCode, status, `${preset}, ${label}: status`)
      t.notMatch(res.body, /SECRET/, `${preset}, ${label}: not its message`)
      const code = codeOf(body) as string
      t.equal(messageOf(body) ?? body.title, catalogMessage(preset, code) ?? body.title, `${preset}, ${label}: the catalog's message of ${code}`)
      if (status === 500) t.equal(code, target(preset, 'internal').code, `${preset}, ${label}: the internal error`)
    }
  }
})

t.test('the reply\'s status counts for an error without one of its own, as in Fastify', async t => {
  const app = await build(t, { plugin: { preset: 'aitbc' } })
  app.get('/send-400', async (_request, reply) => reply.code(400).send(new Error('SECRET-x')))
  app.get('/throw-404', async (_request, reply) => { reply.code(404); throw new Error('SECRET-y') })
  app.get('/throw-422-http-error', async (_request, reply) => { reply.code(422); throw Object.assign(createHttpError(404, 'Its own 404')) })
  app.get('/own-status-wins', async (_request, reply) => { reply.code(400); throw Object.assign(new Error('SECRET-z'), { statusCode: 409 }) })
  app.get('/reply-201', async (_request, reply) => { reply.code(201); throw new Error('SECRET-w') })
  app.get('/reply-503', async (_request, reply) => { reply.code(503); throw new Error('SECRET-v') })
  const cases: Array<[string, number]> = [['/send-400', 400], ['/throw-404', 404], ['/throw-422-http-error', 404], ['/own-status-wins', 409], ['/reply-201', 500], ['/reply-503', 500]]
  for (const [url, status] of cases) {
    const res = await app.inject(url)
    t.equal(res.statusCode, status, `${url}: ${status}`)
    t.notMatch(res.body, /SECRET/, `${url}: no untrusted message`)
  }
  t.equal((await app.inject('/throw-404')).json().error_code, target('aitbc', 'notFound').code, 'the status\'s code')
  t.equal((await app.inject('/throw-422-http-error')).json().detail, 'Its own 404', 'a trusted error keeps its message')
})

/** Headers an error may ask for, and who may set them. */
const refusedForApiError = [
  'Content-Type', 'Content-Encoding', 'Content-Length', 'Content-Language', 'Content-Range', 'Content-Location', 'Content-Disposition', 'Content-MD5',
  'Transfer-Encoding', 'Connection', 'Keep-Alive', 'Upgrade', 'Trailer', 'TE', 'Proxy-Authenticate', 'Proxy-Authorization', 'Proxy-Connection', 'Set-Cookie'
]
const allowedForApiError = ['X-Custom', 'Location', 'Link', 'Cache-Control', 'Access-Control-Allow-Origin', 'WWW-Authenticate', 'Allow', 'Deprecation']
const allowedForForeign = ['WWW-Authenticate', 'Allow']

function headerValue (name: string): string {
  return name === 'Content-Length' ? '3' : name === 'Content-Encoding' ? 'gzip' : name === 'Connection' ? 'close' : name === 'Transfer-Encoding' ? 'chunked' : `v-${name.toLowerCase()}`
}

t.test('an ApiError may set any header but the representation, hop-by-hop and cookie ones', async t => {
  const all = Object.fromEntries([...refusedForApiError, ...allowedForApiError].map(name => [name, headerValue(name)]))
  const app = await build(t, { plugin: { preset: 'aitbc' } })
  app.get('/', async () => { throw new ApiError('JOB_NOT_FOUND', { headers: all }) })
  const res = await app.inject('/')
  t.equal(res.statusCode, 404)
  t.equal(res.json().error_code, 'JOB_NOT_FOUND', 'the body is readable: no header broke it')
  t.match(res.headers['content-type'], /^application\/json/)
  for (const name of refusedForApiError) {
    if (name === 'Content-Type' || name === 'Content-Length' || name === 'Connection') {
      t.not(res.headers[name.toLowerCase()], headerValue(name), `${name} is not the error's`)
    } else {
      t.equal(res.headers[name.toLowerCase()], undefined, `${name} is refused`)
    }
  }
  for (const name of allowedForApiError) t.equal(res.headers[name.toLowerCase()], headerValue(name), `${name} is sent`)
})

t.test('any other error passes only Retry-After, WWW-Authenticate and Allow', async t => {
  const all = Object.fromEntries([...refusedForApiError, ...allowedForApiError].map(name => [name, headerValue(name)]))
  const FastifyLocked = createFastifyError('FEE_TEST_HEADERS', 'Locked', 423)
  const kinds: Array<[string, () => unknown]> = [
    ['http-errors', () => createHttpError(401, 'Who are you', { headers: all })],
    ['Boom', () => { const err = Boom.unauthorized('Who are you'); Object.assign(err.output.headers, all); return err }],
    ['@fastify/error', () => Object.assign(new FastifyLocked(), { headers: all })],
    ['Error with statusCode', () => Object.assign(new Error('x'), { statusCode: 401, headers: all })],
    ['plain object', () => ({ statusCode: 401, message: 'x', headers: all })]
  ]
  const app = await build(t, { plugin: { preset: 'aitbc' } })
  kinds.forEach(([, make], i) => app.get(`/${i}`, async () => { throw make() }))
  for (const [i, [label]] of kinds.entries()) {
    const res = await app.inject(`/${i}`)
    t.ok(res.statusCode >= 400 && res.statusCode < 500, `${label}: a 4xx`)
    for (const name of [...refusedForApiError, ...allowedForApiError]) {
      const sent = res.headers[name.toLowerCase()]
      if (allowedForForeign.includes(name)) {
        t.equal(sent, headerValue(name), `${label}: ${name} is sent`)
      } else {
        t.not(sent, headerValue(name), `${label}: ${name} is not`)
      }
    }
  }
})

/** What a flat body and its headers say about waiting. */
function waits (res: { headers: Record<string, unknown>, json: () => Body }): { header: unknown, body: unknown } {
  return { header: res.headers['retry-after'], body: res.json().retry_after }
}

t.test('Retry-After and retry_after agree, in whole seconds of at least 1', async t => {
  const app = await build(t, { plugin: { preset: 'aitbc' } })
  const future = new Date(Date.now() + 30_000).toUTCString()
  const cases: Array<[string, () => unknown, string | undefined]> = [
    ['retryAfter wins over a Retry-After header', () => new ApiError('RATE_LIMIT_EXCEEDED', { retryAfter: 10, headers: { 'Retry-After': 99 } }), '10'],
    ['a Retry-After header alone', () => new ApiError('RATE_LIMIT_EXCEEDED', { headers: { 'retry-after': '42' } }), '42'],
    ['a fractional retryAfter', () => new ApiError('RATE_LIMIT_EXCEEDED', { retryAfter: 0.2 }), '1'],
    ['retryAfter 0', () => new ApiError('RATE_LIMIT_EXCEEDED', { retryAfter: 0 }), '1'],
    ['an invalid retryAfter falls back to the header', () => new ApiError('RATE_LIMIT_EXCEEDED', { retryAfter: Number.NaN, headers: { 'Retry-After': '5' } }), '5'],
    ['a foreign 429 with Retry-After 0', () => createHttpError(429, { headers: { 'Retry-After': '0' } }), '1'],
    ['a foreign 429 with Retry-After 1.5', () => createHttpError(429, { headers: { 'Retry-After': '1.5' } }), '2'],
    ['a foreign 429 with garbage', () => createHttpError(429, { headers: { 'Retry-After': 'soon' } }), undefined],
    ['an ApiError with garbage', () => new ApiError('RATE_LIMIT_EXCEEDED', { headers: { 'Retry-After': 'soon' } }), undefined]
  ]
  cases.forEach(([, make], i) => app.get(`/${i}`, async () => { throw make() }))
  app.get('/date', async () => { throw createHttpError(429, { headers: { 'Retry-After': future } }) })
  app.get('/reply-garbage', async (_request, reply) => { reply.header('retry-after', 'later'); throw createHttpError(429) })
  app.get('/reply-fraction', async (_request, reply) => { reply.header('retry-after', '2.5'); throw createHttpError(429) })
  for (const [i, [label, , expected]] of cases.entries()) {
    const { header, body } = waits(await app.inject(`/${i}`))
    t.equal(header, expected, `${label}: header`)
    t.equal(body, expected === undefined ? undefined : Number(expected), `${label}: body`)
  }
  const dated = waits(await app.inject('/date'))
  t.match(dated.header, /^\d+$/, 'an HTTP-date becomes seconds')
  t.ok(Number(dated.header) >= 25 && Number(dated.header) <= 31, 'about the 30 s it names')
  t.equal(dated.body, Number(dated.header))
  t.same(waits(await app.inject('/reply-garbage')), { header: undefined, body: undefined }, 'a reply\'s unreadable Retry-After is not sent')
  t.same(waits(await app.inject('/reply-fraction')), { header: '3', body: 3 }, 'a reply\'s Retry-After is rounded up in both')
})

t.test('property: whatever the inputs, header and body say the same wait', async t => {
  const apps = new Map<PresetName, FastifyInstance>()
  for (const preset of presetNames) {
    const app = await build(t, { plugin: { preset, format: 'flat' } })
    let next: () => { thrown: unknown, replyHeader?: string } = () => ({ thrown: new Error('unset') })
    app.get('/', async (_request, reply) => {
      const { thrown, replyHeader } = next()
      if (replyHeader !== undefined) reply.header('retry-after', replyHeader)
      throw thrown
    })
    apps.set(preset, Object.assign(app, { setNext: (f: typeof next) => { next = f } }))
  }
  const headerValueArb = fc.oneof(
    fc.nat({ max: 100_000 }).map(String),
    fc.double({ min: -10, max: 1000, noNaN: true }).map(String),
    fc.integer({ min: -100_000, max: 100_000 }).map(s => new Date(Date.now() + s * 1000).toUTCString()),
    fc.string({ maxLength: 12 }).filter(s => /^[\t\x20-\x7e]*$/.test(s))
  )
  const numberArb = fc.oneof(fc.double({ min: -10, max: 1e9 }), fc.nat(), fc.constantFrom(Number.NaN, Infinity, -Infinity, 0))
  await fc.assert(fc.asyncProperty(
    fc.constantFrom(...presetNames),
    fc.constantFrom('api', 'http-errors', 'boom'),
    fc.option(numberArb, { nil: undefined }),
    fc.option(headerValueArb, { nil: undefined }),
    fc.option(headerValueArb, { nil: undefined }),
    async (preset, kind, retryAfter, header, replyHeader) => {
      const app = apps.get(preset) as FastifyInstance & { setNext: (f: () => { thrown: unknown, replyHeader?: string }) => void }
      const headers = header === undefined ? undefined : { 'Retry-After': header }
      app.setNext(() => ({
        thrown: kind === 'api'
          ? new ApiError(target(preset, 'rateLimited').code, { retryAfter, headers })
          : kind === 'http-errors'
            ? createHttpError(429, { headers })
            : Object.assign(Boom.tooManyRequests('slow'), { output: { statusCode: 429, payload: {}, headers: headers ?? {} } }),
        replyHeader
      }))
      const res = await app.inject('/')
      const { header: sent, body } = waits(res)
      if (sent !== undefined) t.match(sent, /^[1-9]\d*$/)
      if (sent !== undefined || body !== undefined) {
        if (String(sent) !== String(body)) throw new Error(`header ${String(sent)} and body ${String(body)} disagree`)
      }
    }
  ), { numRuns: 150 })
})

t.test('an untrusted 4xx answers the catalog\'s message, and its own message reaches the log, redacted', async t => {
  const { stream, lines } = logCapture()
  const app = await build(t, { server: { logger: { stream } } })
  app.get('/', async () => { throw Object.assign(new Error('row 42 not found for Bearer abcdefgh12345678'), { statusCode: 404 }) })
  const res = await app.inject('/')
  t.equal(res.statusCode, 404)
  t.notMatch(res.body, /row 42/)
  const line = lines.find(l => l.error_code !== undefined)
  t.equal(line?.level, 30, 'an info line, as for every 4xx')
  t.equal(line?.thrown_message, 'row 42 not found for [Redacted]', 'the error\'s own words, without the credential')
})
