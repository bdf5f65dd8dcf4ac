// The soak test's server: every kind of error, and successes, on one app (aitbc preset, flat bodies).
import createError from '@fastify/error'
import Fastify from 'fastify'
import errorEnvelope, { ApiError, clientErrorHandler, presets, requestIdOptions } from '../src/index.js'

const Conflict = createError('FST_CONFLICT', 'Conflict on %s', 409)
const app = Fastify({ ...requestIdOptions(), clientErrorHandler })
await app.register(errorEnvelope, { rateLimit: { max: 1_000_000_000, timeWindow: 60_000 } })

app.get('/ok', async () => ({ ok: true }))
app.get('/catalog', async () => { throw presets.aitbc.errors.JOB_NOT_FOUND() })
app.get('/api-error', async () => { throw new ApiError('JOB_ALREADY_CLAIMED', { details: { job_id: 'job-1', token: 'secret' } }) })
app.get('/crash', async () => { throw new Error('database password is hunter2') })
app.get('/string', async () => { throw 'a string' }) // eslint-disable-line no-throw-literal
app.get('/bad-status', async () => { throw Object.assign(new Error('odd'), { statusCode: 999 }) })
app.get('/foreign', async () => { throw new Conflict('job-1') })
app.get('/limited', { config: { rateLimit: { max: 0, timeWindow: 60_000 } } }, async () => ({ ok: true }))
app.post('/validate', { schema: { body: { type: 'object', required: ['prompt'], properties: { prompt: { type: 'string', maxLength: 10 } } } } }, async () => ({ ok: true }))

await app.listen({ port: 0, host: '127.0.0.1' })
process.on('message', (message) => {
  if (message === 'usage') process.send?.({ rss: process.memoryUsage().rss, heapUsed: process.memoryUsage().heapUsed })
})
const address = app.server.address()
process.send?.({ port: typeof address === 'object' && address !== null ? address.port : 0 })
