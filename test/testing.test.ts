import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import errorEnvelope, { ApiError, presets, requestIdOptions, type ErrorEnvelopeOptions, type PresetName } from '../src/index.js'
import { normalizeErrorBody, stableErrorBody, testPluginOptions, testServerOptions } from '../src/testing.js'

const promptSchema = { body: { type: 'object', required: ['prompt'], properties: { prompt: { type: 'string' } } } } as const

/** An app with two failing routes, its request ids and clock fixed by the testing helpers. */
async function helperApp (plugin: ErrorEnvelopeOptions, requestId?: string): Promise<FastifyInstance> {
  const app = Fastify(testServerOptions(requestId === undefined ? {} : { requestId }))
  await app.register(errorEnvelope, { ...testPluginOptions(), ...plugin })
  app.get('/missing', async () => { throw presets.genai.errors.MODEL_NOT_FOUND() })
  app.post('/generate', { schema: promptSchema }, async () => ({ ok: true }))
  return app
}

t.test('two app instances built with the helpers answer byte-identical error bodies', async t => {
  const bodies: string[][] = []
  for (let i = 0; i < 2; i++) {
    const app = await helperApp({ preset: 'genai' })
    t.teardown(() => app.close())
    const answers = [await app.inject('/missing'), await app.inject({ method: 'POST', url: '/generate', payload: {} })]
    t.same(answers.map(r => r.headers['x-request-id']), ['req_test_0001', 'req_test_0002'], 'the header follows the same sequence')
    bodies.push(answers.map(r => r.body))
  }
  t.strictSame(bodies[0], bodies[1])
  t.strictSame(JSON.parse(bodies[0]?.[0] ?? ''), {
    success: false,
    error: { code: 'MODEL_NOT_FOUND', message: 'Model not found' },
    meta: { request_id: 'req_test_0001', timestamp: '2024-01-01T00:00:00Z' }
  })
  t.match(JSON.parse(bodies[0]?.[1] ?? ''), { error: { code: 'MISSING_REQUIRED_FIELD' }, meta: { request_id: 'req_test_0002', timestamp: '2024-01-01T00:00:00Z' } })
})

t.test('sequential ids count per call of testServerOptions, past 9999 too', async t => {
  const a = testServerOptions()
  const b = testServerOptions()
  const req = { headers: {} } as Parameters<typeof a.genReqId>[0]
  t.same([a.genReqId(req), a.genReqId(req), a.genReqId(req)], ['req_test_0001', 'req_test_0002', 'req_test_0003'])
  t.equal(b.genReqId(req), 'req_test_0001', 'a second call starts its own sequence')
  for (let i = 2; i < 10_000; i++) b.genReqId(req)
  t.equal(b.genReqId(req), 'req_test_10000')
})

t.test('a fixed requestId is every request\'s id; an X-Request-Id the client sends is still kept', async t => {
  const app = await helperApp({ preset: 'aitbc' }, 'req-abc123')
  t.teardown(() => app.close())
  const first = await app.inject('/missing')
  const second = await app.inject('/missing')
  t.same([first.json().request_id, second.json().request_id], ['req-abc123', 'req-abc123'])
  const own = await app.inject({ url: '/missing', headers: { 'x-request-id': 'client-42' } })
  t.equal(own.json().request_id, 'client-42')
  t.equal(own.headers['x-request-id'], 'client-42')
})

t.test('a requestId the server would replace is refused', async t => {
  t.throws(() => testServerOptions({ requestId: 'has spaces' }), { name: 'TypeError', message: /requestId/ })
  t.throws(() => testServerOptions({ requestId: '' }), TypeError)
  t.throws(() => testServerOptions({ requestId: 'x'.repeat(129) }), TypeError)
})

t.test('testPluginOptions fixes meta.timestamp: the default, a string or a Date', async t => {
  const cases: Array<[Parameters<typeof testPluginOptions>[0], string]> = [
    [undefined, '2024-01-01T00:00:00Z'],
    [{}, '2024-01-01T00:00:00Z'],
    [{ timestamp: '2025-06-30T12:34:56Z' }, '2025-06-30T12:34:56Z'],
    [{ timestamp: new Date(Date.UTC(2023, 1, 2, 3, 4, 5)) }, '2023-02-02T03:04:05Z']
  ]
  for (const [opts, expected] of cases) {
    const app = Fastify(testServerOptions())
    t.teardown(() => app.close())
    await app.register(errorEnvelope, { ...testPluginOptions(opts), preset: 'genai' })
    app.get('/', async () => { throw new ApiError('OVERLOADED') })
    t.equal((await app.inject('/')).json().meta.timestamp, expected, JSON.stringify(opts))
  }
  const at = new Date('2025-01-01T00:00:00Z')
  const { now } = testPluginOptions({ timestamp: at })
  at.setUTCFullYear(1999)
  t.equal(now().toISOString(), '2025-01-01T00:00:00.000Z', 'later changes to the Date passed in do not move the clock')
  t.throws(() => testPluginOptions({ timestamp: 'yesterday' }), { name: 'TypeError', message: /timestamp/ })
  t.throws(() => testPluginOptions({ timestamp: new Date(Number.NaN) }), TypeError)
})

/** The body of one error of an app configured as production code would be: random ids, the real clock. */
async function realBody (preset: PresetName, url = '/missing'): Promise<unknown> {
  const real = Fastify(requestIdOptions())
  await real.register(errorEnvelope, { preset })
  real.get('/missing', async () => { throw new ApiError('X', { status: 404, message: 'Nothing here' }) })
  real.post('/generate', { schema: promptSchema }, async () => ({ ok: true }))
  const res = url === '/missing' ? await real.inject('/missing') : await real.inject({ method: 'POST', url, payload: {} })
  await real.close()
  return res.json()
}

t.test('stableErrorBody replaces request ids and timestamps in each format\'s body, nested ones too', async t => {
  const flat = await realBody('aitbc')
  t.match(flat, { request_id: /^req_[0-9a-f]{32}$/ })
  t.strictSame(stableErrorBody(flat), { detail: 'Nothing here', error_code: 'X', request_id: '<request_id>' })

  const genai = await realBody('genai')
  t.match(genai, { meta: { timestamp: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/ } })
  t.strictSame(stableErrorBody(genai), {
    success: false,
    error: { code: 'X', message: 'Nothing here' },
    meta: { request_id: '<request_id>', timestamp: '<timestamp>' }
  })

  t.strictSame(stableErrorBody(await realBody('sessions')), {
    success: false,
    data: null,
    error: { code: 'X', message: 'Nothing here', details: {} },
    meta: { request_id: '<request_id>' }
  })

  const openai = await realBody('tokenbay')
  t.strictSame(stableErrorBody(openai), openai, 'the openai body carries no id or time: unchanged')

  t.strictSame(stableErrorBody(await realBody('problem', '/generate')), {
    type: 'about:blank',
    title: 'Unprocessable Content',
    status: 422,
    detail: "Field 'prompt' is required",
    instance: '/generate',
    code: 'VALIDATION_FAILED',
    request_id: '<request_id>',
    errors: [{ detail: "Field 'prompt' is required", code: 'VALIDATION_FAILED', field: 'prompt', pointer: '#/prompt' }]
  })
})

t.test('stableErrorBody works through arrays, camelCase requestId and any depth, and copies', async t => {
  const body = [
    { requestId: 'abc', timestamp: 1704067200, at: 'kept' },
    [{ meta: { request_id: null, timestamp: '2024-01-01T00:00:00Z' } }],
    { errors: [{ detail: 'x', context: { request_id: 'nested' } }] },
    'req_3f0c', 42, null, true
  ]
  const before = JSON.stringify(body)
  const normalized = stableErrorBody(body)
  t.strictSame(normalized, [
    { requestId: '<request_id>', timestamp: '<timestamp>', at: 'kept' },
    [{ meta: { request_id: '<request_id>', timestamp: '<timestamp>' } }],
    { errors: [{ detail: 'x', context: { request_id: '<request_id>' } }] },
    'req_3f0c', 42, null, true
  ])
  t.equal(JSON.stringify(body), before, 'the body passed in is not changed')
  t.not(normalized[2], body[2], 'objects are copies')

  const parsed = JSON.parse('{"__proto__":{"request_id":"r"},"detail":"d"}')
  const copy = stableErrorBody(parsed)
  t.equal(Object.getPrototypeOf(copy), Object.prototype, 'a "__proto__" member stays a member')
  t.strictSame(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value, { request_id: '<request_id>' })

  const when = new Date(0)
  t.equal(stableErrorBody({ when }).when, when, 'values that are not plain objects or arrays are kept as they are')
  t.equal(stableErrorBody('text'), 'text')
})

// The README's "Snapshot-testing error bodies" example, as a user would write it.
t.test('job not found body', async t => {
  const app = Fastify(testServerOptions({ requestId: 'req_test' }))
  await app.register(errorEnvelope, { ...testPluginOptions(), preset: 'genai' })
  app.get('/jobs/:id', async () => { throw new ApiError('RESOURCE_NOT_FOUND', { message: 'Job job-abc123 not found' }) })
  t.matchSnapshot((await app.inject('/jobs/job-abc123')).json())
  t.teardown(() => app.close())
})

// The README's reason to lead with a fixed id: a request added to a test changes no other body.
t.test('with a fixed id a request added before another leaves its body as it was; numbered ids shift', async t => {
  async function bodies (server: ReturnType<typeof testServerOptions>, extra: boolean): Promise<string> {
    const app = Fastify(server)
    t.teardown(() => app.close())
    await app.register(errorEnvelope, { ...testPluginOptions(), preset: 'genai' })
    app.get('/missing', async () => { throw presets.genai.errors.MODEL_NOT_FOUND() })
    if (extra) await app.inject('/missing')
    return (await app.inject('/missing')).body
  }
  t.equal(await bodies(testServerOptions({ requestId: 'req_test' }), true), await bodies(testServerOptions({ requestId: 'req_test' }), false), 'fixed: the same body')
  t.not(await bodies(testServerOptions(), true), await bodies(testServerOptions(), false), 'numbered: the body after the added request changes')
})

t.test('a snapshot of a body from an app you cannot configure, normalized', async t => {
  const app = Fastify(requestIdOptions())
  await app.register(errorEnvelope, { preset: 'genai' })
  t.teardown(() => app.close())
  t.matchSnapshot(stableErrorBody((await app.inject('/nope')).json()))
})

t.test('normalizeErrorBody, the former name, is still exported and is stableErrorBody', async t => {
  t.equal(normalizeErrorBody, stableErrorBody)
})
