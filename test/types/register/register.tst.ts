// With one `Register` declaration, `new ApiError(code)` takes only the codes of
// the registered preset and catalog. This directory is a program of its own
// (see its tsconfig.json) so that the declaration does not reach other type tests.
import { expect, test } from 'tstyche'
import Fastify, { type FastifyContextConfig } from 'fastify'
import { ApiError, defineErrors, presets, type ErrorCode } from 'fastify-error-envelope'

const errors = defineErrors({
  IMAGE_NOT_FOUND: { status: 404, message: 'Image {image_id} not found' },
  IMAGE_TOO_LARGE: { status: 413, message: 'Image too large' }
})

declare module 'fastify-error-envelope' {
  interface Register {
    preset: 'genai'
    errors: typeof errors
    codes: 'TEAPOT'
  }
}

test('codes of the registered catalog, preset and codes compile', () => {
  expect(new ApiError('IMAGE_NOT_FOUND')).type.toBe<ApiError<'IMAGE_NOT_FOUND'>>()
  expect(new ApiError('IMAGE_TOO_LARGE', { message: 'Too big' })).type.toBe<ApiError<'IMAGE_TOO_LARGE'>>()
  expect(new ApiError('MISSING_API_KEY')).type.toBe<ApiError<'MISSING_API_KEY'>>()
  expect(new ApiError('TEAPOT', { status: 418 })).type.toBe<ApiError<'TEAPOT'>>()
})

test('a typo is a type error', () => {
  expect(ApiError).type.not.toBeConstructableWith('IMAGE_NOT_FUOND')
  expect(ApiError).type.not.toBeConstructableWith('IMAGE_NOT_FUOND', { status: 404 })
  expect(ApiError).type.not.toBeConstructableWith('x' as string)
})

test("another preset's codes are not the registered preset's", () => {
  expect(ApiError).type.not.toBeConstructableWith('JOB_NOT_FOUND')
  expect(ApiError).type.toBeConstructableWith('PROMPT_TOO_LONG')
})

test('ErrorCode is the union of the registered codes', () => {
  expect<ErrorCode>().type.toBe<keyof typeof presets.genai.catalog | 'IMAGE_NOT_FOUND' | 'IMAGE_TOO_LARGE' | 'TEAPOT'>()
})

test('factories and the other presets keep working', () => {
  expect(errors.IMAGE_NOT_FOUND({ image_id: 'img-1' })).type.toBe<ApiError<'IMAGE_NOT_FOUND'>>()
  expect(errors.IMAGE_NOT_FOUND.status).type.toBe<404>()
  expect(presets.aitbc.errors.JOB_NOT_FOUND()).type.toBe<ApiError<'JOB_NOT_FOUND'>>()
})

test('config.errors of a route takes the registered codes and their factories, and refuses a typo', () => {
  type Declared = NonNullable<FastifyContextConfig['errors']>[number]
  expect<Declared>().type.toBeAssignableFrom('IMAGE_NOT_FOUND' as const)
  expect<Declared>().type.toBeAssignableFrom(errors.IMAGE_TOO_LARGE)
  expect<Declared>().type.toBeAssignableFrom(presets.genai.errors.PROMPT_TOO_LONG)
  expect<Declared>().type.not.toBeAssignableFrom('IMAGE_NOT_FUOND' as const)
  expect<Declared>().type.not.toBeAssignableFrom(presets.aitbc.errors.JOB_NOT_FOUND)
  const app = Fastify()
  expect(app.get).type.toBeCallableWith('/images/:id', { config: { errors: ['IMAGE_NOT_FOUND', errors.IMAGE_TOO_LARGE] } }, async () => 'x')
  expect(app.get).type.not.toBeCallableWith('/images/:id', { config: { errors: ['IMAGE_NOT_FUOND'] } }, async () => 'x')
})
