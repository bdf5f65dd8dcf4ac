import Fastify, { type FastifyInstance } from 'fastify'
import t from 'tap'
import errorEnvelope, { ApiError, presets, type PresetName } from '../src/index.js'
import { testPluginOptions, testServerOptions } from '../src/testing.js'

// The plugin serialises its own error bodies: the response schemas config.errors writes document
// them and change nothing on the wire. Same requests to the same routes, with and without.

const names = Object.keys(presets) as PresetName[]

async function listening (t: { teardown: (fn: () => unknown) => void }, preset: PresetName, declare: boolean): Promise<string> {
  const app: FastifyInstance = Fastify({ ...testServerOptions({ requestId: 'req_wire_0001' }) })
  t.teardown(() => app.close())
  await app.register(errorEnvelope, { ...testPluginOptions(), preset, rateLimit: { max: 2, timeWindow: 60_000 } })
  const catalog = presets[preset].catalog as Record<string, unknown>
  const codes = Object.keys(catalog)
  const declared = codes.slice(0, 4)
  app.post('/v1/things/:id', {
    ...(declare ? { config: { errors: declared } } : {}),
    schema: {
      params: { type: 'object', properties: { id: { type: 'string', maxLength: 8 } } },
      body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } }
    }
  }, async request => {
    const { name } = request.body as { name: string }
    if (name === 'crash') throw new Error('secret internals')
    // A declared code, then one the route does not declare (warned of, answered as it is).
    throw new ApiError(name === 'other' ? codes.at(-1) as string : declared[0] as string)
  })
  return await app.listen({ port: 0, host: '127.0.0.1' })
}

/** What a client receives: status, every header but the date, and the body's bytes. */
async function received (url: string, init: RequestInit): Promise<{ status: number, headers: Array<[string, string]>, body: string }> {
  const res = await fetch(url, init)
  const body = Buffer.from(await res.arrayBuffer()).toString('latin1')
  const headers = [...res.headers.entries()].filter(([name]) => name !== 'date' && name !== 'x-ratelimit-reset')
  return { status: res.status, headers, body }
}

t.test('every preset: error responses are byte-identical with and without config.errors', async t => {
  const json = { 'content-type': 'application/json' }
  const requests: Record<string, [string, RequestInit]> = {
    'a declared code': ['/v1/things/1', { method: 'POST', headers: json, body: '{"name":"x"}' }],
    'an undeclared code': ['/v1/things/1', { method: 'POST', headers: json, body: '{"name":"other"}' }],
    'a validation failure': ['/v1/things/123456789', { method: 'POST', headers: json, body: '{}' }],
    'malformed JSON': ['/v1/things/1', { method: 'POST', headers: json, body: '{"name"' }],
    'the internal error': ['/v1/things/1', { method: 'POST', headers: json, body: '{"name":"crash"}' }],
    'rate limited': ['/v1/things/1', { method: 'POST', headers: json, body: '{"name":"x"}' }]
  }
  for (const name of names) {
    const [withErrors, without] = await Promise.all([listening(t, name, true), listening(t, name, false)])
    for (const [what, [path, init]] of Object.entries(requests)) {
      const a = await received(withErrors + path, init)
      const b = await received(without + path, init)
      t.ok(a.status >= 400, `${name} ${what}: an error (${a.status})`)
      t.same(a, b, `${name} ${what}: same status, headers and bytes`)
    }
  }
})
