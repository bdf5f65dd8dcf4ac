// Without a Register declaration, config.errors takes any code, and any catalog's factories.
import { expect, test } from 'tstyche'
import Fastify, { type FastifyContextConfig } from 'fastify'
import { defineErrors, presets } from '../../src/index.js'

const errors = defineErrors({ IMAGE_NOT_FOUND: { status: 404, message: 'Image {image_id} not found' } })

test('config.errors takes codes and factories', () => {
  type Declared = NonNullable<FastifyContextConfig['errors']>[number]
  expect<Declared>().type.toBeAssignableFrom('ANY_CODE' as string)
  expect<Declared>().type.toBeAssignableFrom(errors.IMAGE_NOT_FOUND)
  expect<Declared>().type.toBeAssignableFrom(presets.aitbc.errors.JOB_NOT_FOUND)
  expect<Declared>().type.not.toBeAssignableFrom(42)
  expect<Declared>().type.not.toBeAssignableFrom({ status: 404 })
  const app = Fastify()
  expect(app.get).type.toBeCallableWith('/jobs/:id', { config: { errors: ['JOB_NOT_FOUND', errors.IMAGE_NOT_FOUND] } }, async () => 'x')
  expect(app.get).type.not.toBeCallableWith('/jobs/:id', { config: { errors: 'JOB_NOT_FOUND' } }, async () => 'x')
})
