// Fastify's own schema error formatter read `instancePath` of each item and threw on `null`: a validator's junk list was answered as a 500 (ab12e06).
// The plugin's stackless formatter does not throw (src/schema-errors.ts).
import t from 'tap'
import type { FastifySchema, FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify'
import { build } from '../helper.js'

t.test('a validator whose error list holds null gets the validation envelope', async t => {
  const app = await build(t)
  const validatorCompiler: FastifySchemaCompiler<FastifySchema> = () => () => ({ error: [null, 1, null] as unknown as FastifySchemaValidationError[] })
  app.post('/custom', { schema: { body: { type: 'object' } }, validatorCompiler }, async () => ({ ok: true }))
  const res = await app.inject({ method: 'POST', url: '/custom', payload: { prompt: 'hi' } })
  t.equal(res.statusCode, 422)
  t.equal(res.json().error_code, 'VALIDATION_INVALID_FORMAT')
  t.equal(res.json().request_id, res.headers['x-request-id'])
})
