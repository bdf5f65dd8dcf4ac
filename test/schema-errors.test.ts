import t from 'tap'
import Fastify, { type FastifyError, type FastifyInstance, type FastifySchema, type FastifySchemaCompiler, type FastifySchemaValidationError } from 'fastify'
import errorEnvelope from '../src/index.js'
import { stacklessSchemaErrorFormatter } from '../src/schema-errors.js'
import { build } from './helper.js'

const body = { type: 'object', required: ['prompt'], properties: { prompt: { type: 'string' } } } as const

/** The error Fastify hands the error handler for a failed validation, seen from an onError hook. */
async function seen (app: FastifyInstance, payload: unknown = {}): Promise<{ error: FastifyError, status: number, json: Record<string, unknown> }> {
  let error: FastifyError | undefined
  app.addHook('onError', async (_request, _reply, err) => { error = err })
  app.post('/jobs', { schema: { body } }, async () => ({ ok: true }))
  const res = await app.inject({ method: 'POST', url: '/jobs', payload: payload as Record<string, unknown> })
  return { error: error as FastifyError, status: res.statusCode, json: res.json() }
}

t.test('a validation error is made without a stack, with Fastify\'s message, validation and validationContext', async t => {
  const app = await build(t)
  const { error, status, json } = await seen(app, { prompt: { a: 1 } })
  t.equal(status, 422)
  t.equal(json.error_code, 'VALIDATION_INVALID_TYPE')
  t.equal(error.message, 'body/prompt must be string')
  t.equal(error.stack, 'Error: body/prompt must be string', 'no frames')
  t.equal(error.statusCode, 400)
  t.equal(error.code, 'FST_ERR_VALIDATION')
  t.equal(error.validationContext, 'body')
  t.match(error.validation, [{ keyword: 'type', instancePath: '/prompt', message: 'must be string' }])
})

t.test('the formatter writes Fastify\'s message for several errors and restores Error.stackTraceLimit', async t => {
  const before = Error.stackTraceLimit
  const errors = [
    { keyword: 'required', instancePath: '', schemaPath: '#/required', params: {}, message: "must have required property 'prompt'" },
    { keyword: 'type', instancePath: '/n', schemaPath: '#/type', params: {}, message: 'must be integer' }
  ]
  const error = stacklessSchemaErrorFormatter(errors, 'querystring')
  t.equal(error.message, "querystring must have required property 'prompt', querystring/n must be integer")
  t.equal(Error.stackTraceLimit, before)
  t.equal(stacklessSchemaErrorFormatter([], 'body').message, '')
})

t.test('junk items do not make the formatter throw', async t => {
  const hostile = { toString () { throw new Error('no') } }
  const junk = [null, 1, { instancePath: 42, message: {} }] as unknown as FastifySchemaValidationError[]
  t.equal(stacklessSchemaErrorFormatter(junk, 'body').message, 'body undefined, body undefined, body42 [object Object]')
  t.equal(stacklessSchemaErrorFormatter([{ message: hostile }] as unknown as FastifySchemaValidationError[], 'body').message, 'body is invalid')
})

function ownFormatter (errors: FastifySchemaValidationError[], dataVar: string): Error {
  return new Error(`mine: ${dataVar} ${errors.length}`)
}

t.test('a schemaErrorFormatter server option is kept, and the answer is still the envelope', async t => {
  const app = await build(t, { server: { schemaErrorFormatter: ownFormatter } })
  const { error, status, json } = await seen(app)
  t.equal(error.message, 'mine: body 1')
  t.match(error.stack, /\n\s+at /, 'the user\'s error keeps its stack')
  t.equal(status, 422)
  t.equal(json.error_code, 'VALIDATION_MISSING_FIELD')
  t.equal(json.field, 'prompt')
})

t.test('setSchemaErrorFormatter before the plugin is kept; a route\'s own formatter wins', async t => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.setSchemaErrorFormatter(ownFormatter)
  await app.register(errorEnvelope)
  const { error } = await seen(app)
  t.equal(error.message, 'mine: body 1')

  const routed = await build(t)
  let message: string | undefined
  routed.addHook('onError', async (_request, _reply, err) => { message = err.message })
  routed.post('/own', { schema: { body }, schemaErrorFormatter: () => new Error('route') }, async () => ({ ok: true }))
  const res = await routed.inject({ method: 'POST', url: '/own', payload: {} })
  t.equal(res.statusCode, 422)
  t.equal(message, 'route')
})

t.test('the formatter is installed in the plugin\'s context only', async t => {
  const app = Fastify()
  t.teardown(() => app.close())
  let error: FastifyError | undefined
  app.addHook('onError', async (_request, _reply, err) => { error = err })
  await app.register(async child => {
    await child.register(errorEnvelope)
    child.post('/in', { schema: { body } }, async () => ({ ok: true }))
  })
  app.post('/out', { schema: { body } }, async () => ({ ok: true }))
  await app.inject({ method: 'POST', url: '/in', payload: {} })
  t.notMatch(error?.stack, /\n\s+at /)
  await app.inject({ method: 'POST', url: '/out', payload: {} })
  t.match(error?.stack, /\n\s+at /, 'outside the plugin\'s context, Fastify\'s own formatter')
})

t.test('a formatter of the user\'s that throws on junk still gets the internal-error envelope, never a crash', async t => {
  const throwing = (errors: FastifySchemaValidationError[]): Error => new Error(errors.map(e => e.instancePath).join())
  const app = await build(t, { server: { schemaErrorFormatter: throwing } })
  const validatorCompiler: FastifySchemaCompiler<FastifySchema> = () => () => ({ error: [null] as unknown as FastifySchemaValidationError[] })
  app.post('/custom', { schema: { body: { type: 'object' } }, validatorCompiler }, async () => ({ ok: true }))
  const res = await app.inject({ method: 'POST', url: '/custom', payload: { prompt: 'hi' } })
  t.equal(res.statusCode, 500)
  t.same(Object.keys(res.json()), ['detail', 'error_code', 'request_id'])
  t.equal(res.json().error_code, 'SYSTEM_INTERNAL_ERROR')
})
