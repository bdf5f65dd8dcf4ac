import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { ApiError, defineErrors, presets, type ErrorEnvelopeOptions } from '../src/index.js'
import { resolveOptions } from '../src/options.js'
import { build, type Teardown } from './helper.js'

/**
 * Registers the plugin with options a user might mistype. The short plugin
 * timeout only makes a plugin that never calls `done` fail in 2 s, not 10 s.
 */
function register (t: Teardown, options: unknown): Promise<FastifyInstance> {
  return build(t, { server: { pluginTimeout: 2000 }, plugin: options as ErrorEnvelopeOptions })
}

const buildBody = (): object => ({})

const invalid: Array<[string, Record<string, unknown>, RegExp]> = [
  ['an unknown option name', { colour: 'red' }, /unknown option 'colour'/],
  ["preset 'nope'", { preset: 'nope' }, /option 'preset'.*'nope'/],
  ["format 'xml'", { format: 'xml' }, /option 'format'.*'xml'/],
  ['format 42', { format: 42 }, /option 'format'.*42/],
  ['a format object with a non-string contentType', { format: { build: buildBody, contentType: 5 } }, /option 'format\.contentType'/],
  ['a format object with a non-function serialize', { format: { build: buildBody, serialize: 'json' } }, /option 'format\.serialize'/],
  ['errors that are not an object', { errors: 'JOB_NOT_FOUND' }, /option 'errors'/],
  ['an errors entry with status 200', { errors: { MY_CODE: { status: 200, message: 'Fine' } } }, /option 'errors'.*MY_CODE\.status.*200/],
  ['an errors entry that is not an object', { errors: { MY_CODE: 404 } }, /option 'errors'.*MY_CODE expects an object/],
  ['an errors entry without message', { errors: { MY_CODE: { status: 400 } } }, /option 'errors'.*MY_CODE\.message/],
  ['an errors entry with a bad code name', { errors: { 'MY CODE!': { status: 400, message: 'Bad' } } }, /option 'errors'.*'MY CODE!'/],
  ['rateLimit 5', { rateLimit: 5 }, /option 'rateLimit'/],
  ['rateLimit without timeWindow', { rateLimit: { max: 100 } }, /option 'rateLimit\.timeWindow'/],
  ['rateLimit with a negative max', { rateLimit: { max: -1, timeWindow: 1000 } }, /option 'rateLimit\.max'/],
  ['rateLimit with an unknown key', { rateLimit: { max: 1, timeWindow: 1000, maxx: 2 } }, /unknown option 'rateLimit\.maxx'/],
  ["rateLimit.resetHeader 'iso'", { rateLimit: { max: 1, timeWindow: 1000, resetHeader: 'iso' } }, /option 'rateLimit\.resetHeader'/],
  ["rateLimit.onStoreError 'maybe'", { rateLimit: { max: 1, timeWindow: 1000, onStoreError: 'maybe' } }, /option 'rateLimit\.onStoreError'/],
  ['rateLimit.storeTimeout 0', { rateLimit: { max: 1, timeWindow: 1000, storeTimeout: 0 } }, /option 'rateLimit\.storeTimeout'/],
  ['rateLimit.redis that is not ioredis', { rateLimit: { max: 1, timeWindow: 1000, redis: {} } }, /option 'rateLimit\.redis'/],
  ['rateLimit.headers without names', { rateLimit: { max: 1, timeWindow: 1000, headers: { limit: 'x' } } }, /option 'rateLimit\.headers'/],
  ['rateLimit.quota without max', { rateLimit: { max: 1, timeWindow: 1000, quota: { timeWindow: '1 day' } } }, /option 'rateLimit\.quota\.max'/],
  ['rateLimit.quota that is not an object', { rateLimit: { max: 1, timeWindow: 1000, quota: 3 } }, /option 'rateLimit\.quota'/],
  ['rateLimit.keyGenerator that is not a function', { rateLimit: { max: 1, timeWindow: 1000, keyGenerator: 'ip' } }, /option 'rateLimit\.keyGenerator'/],
  ['rateLimit.allowList that is a string', { rateLimit: { max: 1, timeWindow: 1000, allowList: '127.0.0.1' } }, /option 'rateLimit\.allowList'/],
  ['maintenance true', { maintenance: true }, /option 'maintenance'/],
  ["maintenance.enabled 'on'", { maintenance: { enabled: 'on' } }, /option 'maintenance\.enabled'/],
  ['maintenance.retryAfter 0', { maintenance: { retryAfter: 0 } }, /option 'maintenance\.retryAfter'/],
  ["exposeInternalErrors 'yes'", { exposeInternalErrors: 'yes' }, /option 'exposeInternalErrors'/],
  ["notFound 'no'", { notFound: 'no' }, /option 'notFound'/],
  ["requestIdHeader 'bad header'", { requestIdHeader: 'bad header' }, /option 'requestIdHeader'/],
  ['now 5', { now: 5 }, /option 'now'/],
  ['problemTypeBase 5', { problemTypeBase: 5 }, /option 'problemTypeBase'/],
  ["validation 'x'", { validation: 'x' }, /option 'validation'/],
  ['validation.allErrors 1', { validation: { allErrors: 1 } }, /option 'validation\.allErrors'/],
  ["validation.fieldRules 'x'", { validation: { fieldRules: 'x' } }, /option 'validation\.fieldRules'/],
  ['a field rule that is not an object', { validation: { fieldRules: { prompt: 'VALIDATION_PROMPT_TOO_LONG' } } }, /option 'validation\.fieldRules\.prompt'/],
  ['a field rule naming a code not in the catalog', { validation: { fieldRules: { prompt: { maxLength: 'PROMPT_WAY_TOO_LONG' } } } }, /option 'validation\.fieldRules\.prompt\.maxLength'.*'PROMPT_WAY_TOO_LONG'/]
]

t.test('an invalid option fails register with a TypeError naming it', async t => {
  for (const [what, options, message] of invalid) {
    await t.rejects(register(t, options), { name: 'TypeError', message }, what)
  }
})

t.test('rateLimit: false is accepted', async t => {
  const app = await register(t, { rateLimit: false })
  app.get('/', async () => { throw new ApiError('JOB_EXPIRED') })
  const res = await app.inject('/')
  t.equal(res.statusCode, 410)
  t.equal(res.json().error_code, 'JOB_EXPIRED')
})

t.test('errors from defineErrors() are merged over the preset catalog', async t => {
  const errors = defineErrors({
    MY_CODE: { status: 418, message: 'The miner is a teapot', category: 'Miner' },
    JOB_NOT_FOUND: { status: 410, message: 'Job is gone for good', category: 'Job' }
  })
  const app = await build(t, { plugin: { errors } })
  app.get('/mine', async () => { throw new ApiError('MY_CODE') })
  app.get('/factory', async () => { throw errors.MY_CODE() })
  app.get('/overridden', async () => { throw new ApiError('JOB_NOT_FOUND') })
  app.get('/overridden-preset-factory', async () => { throw presets.aitbc.errors.JOB_NOT_FOUND() })
  app.get('/preset', async () => { throw new ApiError('MINER_OFFLINE') })

  const mine = await app.inject('/mine')
  t.equal(mine.statusCode, 418)
  t.match(mine.json(), { detail: 'The miner is a teapot', error_code: 'MY_CODE' })
  const factory = await app.inject('/factory')
  t.equal(factory.statusCode, 418)
  t.equal(factory.json().error_code, 'MY_CODE')

  const overridden = await app.inject('/overridden')
  t.equal(overridden.statusCode, 410, 'the overriding status wins')
  t.equal(overridden.json().detail, 'Job is gone for good')
  const viaPreset = await app.inject('/overridden-preset-factory')
  t.equal(viaPreset.statusCode, 410, 'even through the preset factory')
  t.equal(viaPreset.json().detail, 'Job is gone for good')

  const preset = await app.inject('/preset')
  t.equal(preset.statusCode, 503, 'the other preset codes stay')
  t.equal(preset.json().error_code, 'MINER_OFFLINE')
})

t.test('errors as a plain catalog object', async t => {
  const app = await build(t, { plugin: { errors: { QUOTA_PAUSED: { status: 423, message: 'Your quota is paused' } } } })
  app.get('/', async () => { throw new ApiError('QUOTA_PAUSED') })
  const res = await app.inject('/')
  t.equal(res.statusCode, 423)
  t.equal(res.json().detail, 'Your quota is paused')
})

t.test('an unknown code without the errors option is a 500, not a crash', async t => {
  const app = await build(t)
  app.get('/', async () => { throw new ApiError('MY_CODE') })
  const res = await app.inject('/')
  t.equal(res.statusCode, 500)
  t.equal(res.json().error_code, 'SYSTEM_INTERNAL_ERROR')
})

t.test('notFound: false leaves the 404 to Fastify and lets the user set their own', async t => {
  const plain = await build(t, { plugin: { notFound: false } })
  const fastify404 = await plain.inject('/nowhere')
  t.equal(fastify404.statusCode, 404)
  t.match(fastify404.json(), { error: 'Not Found', statusCode: 404 })
  t.notOk('error_code' in fastify404.json(), 'not the envelope')

  const own = await build(t, { plugin: { notFound: false } })
  own.setNotFoundHandler((request, reply) => { reply.code(404).send({ nothing: request.url }) })
  const res = await own.inject('/nowhere')
  t.equal(res.statusCode, 404)
  t.strictSame(res.json(), { nothing: '/nowhere' })

  const enveloped = await build(t)
  const envelope404 = await enveloped.inject('/nowhere')
  t.equal(envelope404.statusCode, 404)
  t.match(envelope404.json(), { error_code: 'NOT_FOUND', detail: 'Route GET /nowhere not found' })
})

t.test("requestIdHeader: 'x-correlation-id' moves the response header", async t => {
  const app = await build(t, { requestId: 'req-corr-1', plugin: { requestIdHeader: 'x-correlation-id' } })
  app.get('/fail', async () => { throw new ApiError('JOB_EXPIRED') })
  app.get('/ok', async () => ({ ok: true }))

  const fail = await app.inject('/fail')
  t.equal(fail.statusCode, 410)
  t.equal(fail.headers['x-correlation-id'], 'req-corr-1')
  t.equal(fail.json().request_id, 'req-corr-1')
  t.notOk('x-request-id' in fail.headers, 'X-Request-Id is not sent')

  const ok = await app.inject('/ok')
  t.equal(ok.statusCode, 200)
  t.equal(ok.headers['x-correlation-id'], 'req-corr-1')
  t.notOk('x-request-id' in ok.headers)

  const missing = await app.inject('/nowhere')
  t.equal(missing.headers['x-correlation-id'], missing.json().request_id)
})

// ---------------------------------------------------------------------------
// resolveOptions, called directly
// ---------------------------------------------------------------------------

t.test('resolveOptions throws the same TypeErrors synchronously', async t => {
  for (const [what, options, message] of invalid) {
    t.throws(() => resolveOptions(options), { name: 'TypeError', message }, what)
  }
  t.throws(() => resolveOptions('aitbc'), { name: 'TypeError', message: /option 'options'/ })
})

t.test('resolveOptions resolves the defaults', async t => {
  const opts = resolveOptions()
  t.equal(opts.preset, 'aitbc')
  t.equal(opts.format.name, 'flat')
  t.equal(opts.format.contentType, 'application/json; charset=utf-8')
  t.equal(opts.requestIdHeader, 'x-request-id')
  t.equal(opts.notFound, true)
  t.equal(opts.exposeInternalErrors, false)
  t.equal(opts.catalog.get('JOB_NOT_FOUND')?.status, 404)
  t.match(opts.conditions.notFound, { code: 'NOT_FOUND', status: 404 })
  t.match(opts.conditions.upstreamTimeout, { code: 'SYSTEM_UPSTREAM_ERROR', status: 504 })
  t.ok(opts.now() instanceof Date)
})

t.test('resolveOptions picks the preset, format and header', async t => {
  const problem = resolveOptions({ preset: 'problem' })
  t.equal(problem.format.name, 'problem')
  t.equal(problem.format.contentType, 'application/problem+json')
  t.match(problem.conditions['validation.required'], { code: 'VALIDATION_FAILED', status: 422 })

  const openai = resolveOptions({ preset: 'problem', format: 'openai', requestIdHeader: 'X-Correlation-Id', notFound: false })
  t.equal(openai.format.name, 'openai')
  t.equal(openai.requestIdHeader, 'x-correlation-id')
  t.equal(openai.notFound, false)
})

t.test('resolveOptions is pure: it changes neither its input nor the presets', async t => {
  const input = {
    errors: { JOB_NOT_FOUND: { status: 410, message: 'Gone' }, MY_CODE: { status: 418, message: 'Teapot' } },
    validation: { allErrors: true, fieldRules: { prompt: { minLength: 'VALIDATION_OUT_OF_RANGE' } } }
  }
  const before = structuredClone(input)
  const first = resolveOptions(input)
  const second = resolveOptions(input)
  t.strictSame(input, before, 'input untouched')

  t.equal(first.catalog.get('JOB_NOT_FOUND')?.status, 410)
  t.equal(first.catalog.get('MY_CODE')?.status, 418)
  t.strictSame(first.fieldRules.prompt, { maxLength: 'VALIDATION_PROMPT_TOO_LONG', minLength: 'VALIDATION_OUT_OF_RANGE' })
  t.strictSame([...first.catalog.keys()], [...second.catalog.keys()], 'same input, same result')
  t.not(first.catalog, second.catalog, 'a fresh catalog each call')

  t.equal(presets.aitbc.catalog.JOB_NOT_FOUND.status, 404, 'the preset catalog is not overwritten')
  t.strictSame(presets.aitbc.fieldRules.prompt, { maxLength: 'VALIDATION_PROMPT_TOO_LONG' }, 'the preset field rules are not overwritten')
  t.equal(resolveOptions().catalog.get('JOB_NOT_FOUND')?.status, 404, 'a later call sees the preset again')
  t.equal(resolveOptions().catalog.has('MY_CODE'), false)
})

t.test('an option error shows what it got briefly: a long string cut at 40 characters, a function, a bigint, a symbol, never their content', async t => {
  const secret = 'sk-live-' + 'x'.repeat(60)
  const shown: Array<[unknown, RegExp]> = [
    [secret, new RegExp(`instead got '${secret.slice(0, 40)}…'$`)],
    [() => 'preset', /instead got a function$/],
    [10n, /instead got a bigint$/],
    [Symbol('preset'), /instead got a symbol$/]
  ]
  for (const [preset, message] of shown) {
    t.throws(() => resolveOptions({ preset } as unknown as ErrorEnvelopeOptions), { name: 'TypeError', message }, String(typeof preset))
  }
})

t.test('a format contentType that is not a media type fails register, naming it: it would go out as it is and negotiation could not weigh it', async t => {
  for (const bad of ['acme', 'json', '/json', 'application/', 'application json', '']) {
    t.throws(() => resolveOptions({ format: { build: () => ({}), contentType: bad } }), { name: 'TypeError', message: /option 'format\.contentType' expects a media type/ }, JSON.stringify(bad))
  }
  for (const good of ['application/vnd.acme+json', 'application/json; charset=utf-8', 'text/plain;charset=utf-8']) {
    t.doesNotThrow(() => resolveOptions({ format: { build: () => ({}), contentType: good } }), good)
  }
})
