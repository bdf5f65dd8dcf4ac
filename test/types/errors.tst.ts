import Fastify, { type FastifyReply } from 'fastify'
import { expect, test } from 'tstyche'
import errorEnvelope, {
  ApiError, createEnvelopeFormat, createFlatFormat, createOpenAIFormat, createProblemFormat, defineErrors, presets, requestIdOptions,
  type EnvelopeFormatOptions, type ErrorCode, type ErrorEnvelopeOptions, type FlatFormatOptions, type OpenAIFormatOptions,
  type ProblemFormatOptions, type RequestIdServerOptions
} from '../../src/index.js'

const errors = defineErrors({
  JOB_NOT_FOUND: { status: 404, message: 'Job {job_id} not found' },
  PAIR: { status: 409, message: '{a} and {b}' },
  PLAIN: { status: 400, message: 'Plain failure' }
})

test('a factory with a template param returns a typed ApiError', () => {
  expect(errors.JOB_NOT_FOUND({ job_id: 'x' })).type.toBe<ApiError<'JOB_NOT_FOUND'>>()
  expect(errors.JOB_NOT_FOUND({ job_id: 42 })).type.toBe<ApiError<'JOB_NOT_FOUND'>>()
  expect(errors.JOB_NOT_FOUND({ job_id: 'x' }, { field: 'job_id', retryAfter: 5 })).type.toBe<ApiError<'JOB_NOT_FOUND'>>()
  expect(errors.JOB_NOT_FOUND({ job_id: 'x' }).code).type.toBe<'JOB_NOT_FOUND'>()
})

test('a factory with a template param requires it', () => {
  expect(errors.JOB_NOT_FOUND).type.toBeCallableWith({ job_id: 'x' })
  expect(errors.JOB_NOT_FOUND).type.not.toBeCallableWith()
  expect(errors.JOB_NOT_FOUND).type.not.toBeCallableWith({})
  expect(errors.JOB_NOT_FOUND).type.not.toBeCallableWith({ jobId: 'x' })
  expect(errors.JOB_NOT_FOUND).type.not.toBeCallableWith({ job_id: true })
  expect(errors.JOB_NOT_FOUND).type.not.toBeCallableWith({ message: 'options are not params' })
})

test('two params are both required', () => {
  expect(errors.PAIR({ a: 'x', b: 'y' })).type.toBe<ApiError<'PAIR'>>()
  expect(errors.PAIR).type.toBeCallableWith({ a: 'x', b: 1 })
  expect(errors.PAIR).type.not.toBeCallableWith({ a: 'x' })
  expect(errors.PAIR).type.not.toBeCallableWith({ b: 'y' })
  expect(errors.PAIR).type.not.toBeCallableWith()
})

test('a factory without params takes nothing or options', () => {
  expect(errors.PLAIN()).type.toBe<ApiError<'PLAIN'>>()
  expect(errors.PLAIN).type.toBeCallableWith()
  expect(errors.PLAIN).type.toBeCallableWith({ message: 'custom', details: { a: 1 }, field: 'f', status: 418, retryAfter: 1, cause: new Error('x'), headers: { 'x-a': 'b' }, expose: true })
  expect(errors.PLAIN).type.not.toBeCallableWith({ nope: 1 })
  expect(errors.PLAIN).type.not.toBeCallableWith('message')
})

test('factories expose code, status and message', () => {
  expect(errors.JOB_NOT_FOUND.code).type.toBe<'JOB_NOT_FOUND'>()
  expect(errors.JOB_NOT_FOUND.status).type.toBe<404>()
  expect(errors.PLAIN.status).type.toBe<400>()
  expect(presets.aitbc.errors.JOB_NOT_FOUND.status).type.toBe<404>()
  expect(errors.JOB_NOT_FOUND.message).type.toBe<'Job {job_id} not found'>()
  expect(errors).type.not.toHaveProperty('NOPE')
})

test('presets ship typed factories', () => {
  expect(presets.aitbc.errors.JOB_EXPIRED()).type.toBe<ApiError<'JOB_EXPIRED'>>()
  expect(presets.aitbc.errors.JOB_NOT_FOUND).type.toBeCallableWith({ message: 'Job job-abc123 not found' })
  expect(presets.aitbc.errors).type.toHaveProperty('SYSTEM_INTERNAL_ERROR')
  expect(presets.aitbc.errors).type.not.toHaveProperty('NOPE')
  expect(presets).type.not.toHaveProperty('nope')
})

test('without a Register declaration any code compiles', () => {
  expect(new ApiError('ANY_STRING_AT_ALL')).type.toBe<ApiError<'ANY_STRING_AT_ALL'>>()
  expect(ApiError).type.toBeConstructableWith('IMAGE_NOT_FUOND')
  expect(ApiError).type.toBeConstructableWith('x' as string)
  expect<ErrorCode>().type.toBe<string>()
})

test("ApiError's public shape is (code, options?) and its members; no factory internals", () => {
  expect(ApiError).type.not.toBeConstructableWith('CODE', {}, { status: 404, message: 'x' })
  expect(ApiError).type.not.toBeConstructableWith()
  expect<ApiError>().type.not.toHaveProperty('entry')
  expect<ApiError>().type.not.toHaveProperty('params')
  expect<ApiError>().type.not.toHaveProperty('defaultMessage')
  expect<ApiError>().type.toHaveProperty('code')
  expect<ApiError>().type.toHaveProperty('statusCode')
})

test('ApiError options are checked', () => {
  expect(new ApiError('ANY', { status: 418 })).type.toBe<ApiError<'ANY'>>()
  expect(ApiError).type.not.toBeConstructableWith('CODE', { statuss: 418 })
  expect(ApiError).type.not.toBeConstructableWith('CODE', { details: 'not an object' })
})

test('plugin options', () => {
  const app = Fastify()
  expect(app.register).type.toBeCallableWith(errorEnvelope, { preset: 'problem', format: 'openai' })
  expect(app.register).type.toBeCallableWith(errorEnvelope, { preset: 'aitbc', errors, exposeInternalErrors: true })
  expect(app.register).type.toBeCallableWith(errorEnvelope)
  expect(app.register).type.not.toBeCallableWith(errorEnvelope, { preset: 'nope' })
  expect(app.register).type.not.toBeCallableWith(errorEnvelope, { format: 'xml' })
  expect<ErrorEnvelopeOptions>().type.toBeAssignableFrom({ format: (record: { code: string }) => ({ code: record.code }) })
  expect<ErrorEnvelopeOptions>().type.not.toBeAssignableFrom({ preset: 'nope' })
  expect<ErrorEnvelopeOptions>().type.not.toBeAssignableFrom({ exposeInternalErrors: 'yes' })
})

test('the errors option takes a catalog spec or defineErrors() factories, nothing else', () => {
  expect<ErrorEnvelopeOptions>().type.toBeAssignableFrom({ errors })
  expect<ErrorEnvelopeOptions>().type.toBeAssignableFrom({ errors: presets.genai.errors })
  expect<ErrorEnvelopeOptions>().type.toBeAssignableFrom({ errors: { MY_CODE: { status: 409, message: 'Taken', retryable: false } } })
  expect<ErrorEnvelopeOptions>().type.not.toBeAssignableFrom({ errors: { X: 1 } })
  expect<ErrorEnvelopeOptions>().type.not.toBeAssignableFrom({ errors: { X: { status: 404 } } })
  expect<ErrorEnvelopeOptions>().type.not.toBeAssignableFrom({ errors: 'JOB_NOT_FOUND' })
})

test('setMaintenance is on every instance: without the option it throws (see test/maintenance.test.ts)', () => {
  const app = Fastify()
  expect(app.setMaintenance).type.toBe<(enabled: boolean, retryAfter?: number) => void>()
  expect(app.setMaintenance).type.toBeCallableWith(true)
  expect(app.setMaintenance).type.toBeCallableWith(true, 60)
  expect(app.setMaintenance).type.not.toBeCallableWith('on')
})

test('the types public functions take and return are exported', () => {
  expect(createFlatFormat).type.toBeCallableWith({ violations: true } satisfies FlatFormatOptions)
  expect<Parameters<typeof createEnvelopeFormat>[0]>().type.toBe<EnvelopeFormatOptions | undefined>()
  expect<Parameters<typeof createOpenAIFormat>[0]>().type.toBe<OpenAIFormatOptions | undefined>()
  expect<Parameters<typeof createProblemFormat>[0]>().type.toBe<ProblemFormatOptions | undefined>()
  expect(requestIdOptions()).type.toBe<RequestIdServerOptions>()
})

test('reply.sendError exists on FastifyReply', () => {
  expect<FastifyReply>().type.toHaveProperty('sendError')
  expect<FastifyReply['sendError']>().type.toBeCallableWith(new Error('x'))
  expect<ReturnType<FastifyReply['sendError']>>().type.toBe<FastifyReply>()
})
