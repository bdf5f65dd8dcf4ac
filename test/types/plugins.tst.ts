// The plugin beside @fastify/sensible and @fastify/rate-limit, as @fastify/sensible's own type tests
// register it with others: every plugin's decorators are there, and none hides another's.
import Fastify, { type FastifyReply } from 'fastify'
import rateLimit from '@fastify/rate-limit'
import sensible from '@fastify/sensible'
import { expect, test } from 'tstyche'
import errorEnvelope, { ApiError } from '../../src/index.js'

const app = Fastify()
await app.register(errorEnvelope, { preset: 'genai', maintenance: { enabled: false } })
await app.register(sensible)
await app.register(rateLimit, { max: 100, timeWindow: '1 minute' })

test('the instance has every plugin\'s decorators', () => {
  expect(app.setMaintenance).type.toBe<(enabled: boolean, retryAfter?: number) => void>()
  expect(app).type.toHaveProperty('httpErrors')
  expect(app).type.toHaveProperty('assert')
  expect(app).type.toHaveProperty('rateLimit')
  expect(app).type.toHaveProperty('createRateLimit')
})

test('the reply has sendError beside sensible\'s helpers', () => {
  app.get('/', async (request, reply) => {
    expect(reply.sendError).type.toBe<(error: unknown) => FastifyReply>()
    expect(reply.sendError(new ApiError('MODEL_NOT_FOUND'))).type.toBe<FastifyReply>()
    expect(reply).type.toHaveProperty('notFound')
    expect(reply.sendError(request.server.httpErrors.notFound())).type.toBe<FastifyReply>()
    return reply
  })
})

test('routes keep config.rateLimit typing next to the envelope', () => {
  expect(app.get).type.toBeCallableWith('/limited', { config: { rateLimit: { max: 5, timeWindow: 1000 } } }, async () => 'ok')
})

test('a route says it streams with config.stream, a boolean', () => {
  expect(app.get).type.toBeCallableWith('/events', { config: { stream: true } }, async () => 'ok')
  expect(app.get).type.not.toBeCallableWith('/events', { config: { stream: 'yes' } }, async () => 'ok')
})
