/**
 * How a thrown value becomes one answer (src/answer.ts): the cases at the edges of each kind of
 * error — empty messages, codes that are not strings, 5xx statuses no condition names, a parser's
 * SyntaxError, a long unmatched path.
 */
import t from 'tap'
import createHttpError from 'http-errors'
import { ApiError } from '../src/index.js'
import { build, logCapture } from './helper.js'

t.test('an ApiError whose code is null is answered as the internal error, and the log says the code is null', async t => {
  const logs = logCapture()
  const app = await build(t, { server: { logger: { level: 'info', stream: logs.stream } } })
  app.get('/', async () => { throw new ApiError(null as unknown as string) })
  const res = await app.inject('/')
  t.equal(res.statusCode, 500)
  t.equal(res.json().error_code, 'SYSTEM_INTERNAL_ERROR')
  t.ok(logs.lines.some(line => line.level === 50 && line.msg === 'ApiError code is not a string but null'), 'the bug names null')
})

t.test('an ApiError given an empty message answers its catalog message', async t => {
  const app = await build(t)
  app.get('/', async () => { throw new ApiError('JOB_NOT_FOUND', { message: '' }) })
  const res = await app.inject('/')
  t.equal(res.statusCode, 404)
  t.equal(res.json().error_code, 'JOB_NOT_FOUND')
  t.equal(res.json().detail, "Job doesn't exist")
})

t.test('a trusted error with a 5xx status no condition names answers the internal code with its own status', async t => {
  const app = await build(t)
  app.get('/', async () => { throw createHttpError(507, 'disk full') })
  const res = await app.inject('/')
  t.equal(res.statusCode, 507)
  t.equal(res.json().error_code, 'SYSTEM_INTERNAL_ERROR')
  t.equal(res.json().detail, 'Unexpected server error', 'a 5xx message stays hidden')
})

t.test('with exposeInternalErrors, an untrusted error with an empty message answers the catalog message', async t => {
  const app = await build(t, { plugin: { exposeInternalErrors: true } })
  app.get('/', async () => { throw new Error('') })
  const res = await app.inject('/')
  t.equal(res.statusCode, 500)
  t.equal(res.json().detail, 'Unexpected server error')
})

t.test("a parser's SyntaxError with status 400 is the malformed-body code, as Fastify's own JSON parser error is", async t => {
  const app = await build(t)
  app.addContentTypeParser('application/x-custom', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, JSON.parse(body as string))
    } catch (err) {
      done(Object.assign(err as Error, { statusCode: 400 }), undefined)
    }
  })
  app.post('/', async () => 'ok')
  const res = await app.inject({ method: 'POST', url: '/', headers: { 'content-type': 'application/x-custom' }, payload: '{nope' })
  const framework = await app.inject({ method: 'POST', url: '/', headers: { 'content-type': 'application/json' }, payload: '{nope' })
  t.equal(res.statusCode, 400)
  t.equal(res.json().error_code, framework.json().error_code)
})

t.test('a Fastify error with an empty message answers the catalog message of its status', async t => {
  const app = await build(t)
  app.get('/empty', async () => { throw Object.assign(new Error(''), { code: 'FST_TEST_CONFLICT', statusCode: 409 }) })
  app.get('/hidden', async () => { throw createHttpError(409, 'not for the client', { expose: false }) })
  const res = await app.inject('/empty')
  t.equal(res.statusCode, 409)
  t.equal(res.json().detail, (await app.inject('/hidden')).json().detail, "the status's catalog message")
})

t.test('an unmatched path over 256 characters is cut in the message, never echoed whole', async t => {
  const app = await build(t, { plugin: { preset: 'sessions' } })
  const path = '/' + 'a'.repeat(400)
  const res = await app.inject(path)
  t.equal(res.statusCode, 404)
  const text = res.body
  t.notOk(text.includes('a'.repeat(300)), 'not the whole path')
  t.ok(text.includes('a'.repeat(250) + '…'), 'the first 256 characters and an ellipsis')
})

t.test('a look-alike ApiError of another copy of the package, without its internals, is answered by the catalog', async t => {
  const app = await build(t)
  const foreign = Object.assign(new Error('Job job-1 not found'), { code: 'JOB_NOT_FOUND', [Symbol.for('fastify-error-envelope.ApiError')]: true })
  app.get('/', async () => { throw foreign })
  const res = await app.inject('/')
  t.equal(res.statusCode, 404)
  t.equal(res.json().error_code, 'JOB_NOT_FOUND')
  t.equal(res.json().detail, 'Job job-1 not found')
})
