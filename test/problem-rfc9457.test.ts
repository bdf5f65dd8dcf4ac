import { connect } from 'node:net'
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { ApiError } from '../src/index.js'
import { build, type BuildOptions, type Teardown } from './helper.js'

// docs/formats.md, "Problem details": what RFC 9457 and RFC 9110 say, checked on the wire.

/** A route validated in every location RFC 9457's members tell apart: path, query, headers and body. */
const jobSchema = {
  params: { type: 'object', properties: { id: { type: 'string', pattern: '^job-' } } },
  querystring: { type: 'object', properties: { limit: { type: 'integer', maximum: 100 } } },
  headers: { type: 'object', required: ['x-tenant'], properties: { 'x-tenant': { type: 'string' } } },
  body: { type: 'object', required: ['prompt'], properties: { prompt: { type: 'string' }, options: { type: 'object', properties: { 'a/b': { type: 'integer' } } } } }
}

async function listening (t: Teardown, opts: BuildOptions): Promise<{ app: FastifyInstance, port: number }> {
  const app = await build(t, { requestId: 'req-1', ...opts, server: { bodyLimit: 64, ...opts.server } })
  app.get('/throw/:status', async request => {
    throw new ApiError('SOME_CODE', { status: Number((request.params as { status: string }).status) })
  })
  app.post('/jobs/:id', { schema: jobSchema }, async () => ({ ok: true }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return { app, port: address.port }
}

/** Writes raw bytes to the server and returns what comes back before it closes. */
async function raw (port: number, bytes: string): Promise<string> {
  return await new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes))
    let text = ''
    socket.on('data', chunk => { text += String(chunk) })
    socket.on('close', () => resolve(text))
    socket.on('error', reject)
  })
}

const problem = { accept: 'application/problem+json' }

t.test('application/problem+json is sent without a charset parameter, on every path (RFC 8259 §11, RFC 9457 §6.1)', async t => {
  for (const plugin of [{ preset: 'problem' as const }, { negotiate: true }]) {
    const { port } = await listening(t, { plugin })
    const base = `http://127.0.0.1:${port}`
    const answers = [
      await fetch(`${base}/throw/409`, { headers: problem }),
      await fetch(`${base}/nope`, { headers: problem }),
      await fetch(`${base}/jobs/job-1`, { method: 'POST', headers: { ...problem, 'x-tenant': 't', 'content-type': 'application/json' }, body: '{}' }),
      await fetch(`${base}/jobs/job-1`, { method: 'POST', headers: { ...problem, 'x-tenant': 't', 'content-type': 'application/json' }, body: JSON.stringify({ prompt: 'x'.repeat(100) }) })
    ]
    for (const res of answers) {
      t.equal(res.headers.get('content-type'), 'application/problem+json', `${JSON.stringify(plugin)} ${res.status}`)
      await res.arrayBuffer()
    }
    if (plugin.preset === 'problem') {
      // HTTP Node cannot parse never reaches Fastify: clientErrorHandler writes the answer to the socket itself.
      const text = await raw(port, 'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n')
      t.match(text, /^HTTP\/1\.1 400 Bad Request\r\n/)
      t.match(text, /\r\nContent-Type: application\/problem\+json\r\n/, 'the raw answer too')
    }
  }
})

// RFC 9110 §15.5 and §15.6, and the IANA registry for statuses other RFCs define; a status with no
// phrase gets its class's name (§15). Written out here, apart from src/reason-phrases.ts.
const rfcPhrases = new Map<number, string>([
  [400, 'Bad Request'],
  [401, 'Unauthorized'],
  [402, 'Payment Required'],
  [403, 'Forbidden'],
  [404, 'Not Found'],
  [405, 'Method Not Allowed'],
  [406, 'Not Acceptable'],
  [407, 'Proxy Authentication Required'],
  [408, 'Request Timeout'],
  [409, 'Conflict'],
  [410, 'Gone'],
  [411, 'Length Required'],
  [412, 'Precondition Failed'],
  [413, 'Content Too Large'],
  [414, 'URI Too Long'],
  [415, 'Unsupported Media Type'],
  [416, 'Range Not Satisfiable'],
  [417, 'Expectation Failed'],
  [421, 'Misdirected Request'],
  [422, 'Unprocessable Content'],
  [423, 'Locked'],
  [424, 'Failed Dependency'],
  [425, 'Too Early'],
  [426, 'Upgrade Required'],
  [428, 'Precondition Required'],
  [429, 'Too Many Requests'],
  [431, 'Request Header Fields Too Large'],
  [451, 'Unavailable For Legal Reasons'],
  [500, 'Internal Server Error'],
  [501, 'Not Implemented'],
  [502, 'Bad Gateway'],
  [503, 'Service Unavailable'],
  [504, 'Gateway Timeout'],
  [505, 'HTTP Version Not Supported'],
  [506, 'Variant Also Negotiates'],
  [507, 'Insufficient Storage'],
  [508, 'Loop Detected'],
  [510, 'Not Extended'],
  [511, 'Network Authentication Required']
])

t.test('the title of an about:blank problem is the RFC 9110 reason phrase, for the whole 4xx/5xx class, negotiated or not (RFC 9457 §4.2.1)', async t => {
  for (const plugin of [{ preset: 'problem' as const }, { negotiate: true }, { preset: 'tokenbay' as const, negotiate: true }]) {
    const app = await build(t, { plugin })
    app.get('/throw/:status', async request => {
      throw new ApiError('SOME_CODE', { status: Number((request.params as { status: string }).status) })
    })
    for (let status = 400; status <= 599; status++) {
      const res = await app.inject({ url: `/throw/${status}`, headers: problem })
      const want = rfcPhrases.get(status) ?? (status < 500 ? 'Client Error' : 'Server Error')
      t.equal(res.statusCode, status)
      t.equal(res.json().title, want, `${JSON.stringify(plugin)} ${status}`)
    }
  }
})

t.test('the conditions the framework raises get the RFC 9110 titles over another preset', async t => {
  const { port } = await listening(t, { plugin: { negotiate: true } })
  const base = `http://127.0.0.1:${port}`
  const post = (body: string): RequestInit => ({ method: 'POST', headers: { ...problem, 'x-tenant': 't', 'content-type': 'application/json' }, body })
  const tooLarge = await fetch(`${base}/jobs/job-1`, post(JSON.stringify({ prompt: 'x'.repeat(100) })))
  t.equal(tooLarge.status, 413)
  t.equal((await tooLarge.json() as { title: string }).title, 'Content Too Large', 'not Node\'s Payload Too Large')
  const invalid = await fetch(`${base}/jobs/job-1`, post('{}'))
  t.equal(invalid.status, 422)
  t.equal((await invalid.json() as { title: string }).title, 'Unprocessable Content', 'not Node\'s Unprocessable Entity')
})

t.test('errors[]: pointer only into the content; a query or path parameter gets parameter, a header gets header (RFC 9457 §3)', async t => {
  const app = await build(t, { plugin: { preset: 'problem' }, server: { ajv: { customOptions: { allErrors: true } } } })
  app.post('/jobs/:id', { schema: jobSchema }, async () => ({ ok: true }))
  const ok = { 'x-tenant': 't' }
  const cases: Array<[string, Record<string, string>, unknown, object]> = [
    ['/jobs/job-1', ok, {}, { field: 'prompt', pointer: '#/prompt' }],
    ['/jobs/job-1', ok, { prompt: 'p', options: { 'a/b': 'x' } }, { field: 'options.a/b', pointer: '#/options/a~1b' }],
    ['/jobs/job-1?limit=500', ok, { prompt: 'p' }, { field: 'limit', parameter: 'limit' }],
    ['/jobs/nope', ok, { prompt: 'p' }, { field: 'id', parameter: 'id' }],
    ['/jobs/job-1', {}, { prompt: 'p' }, { field: 'x-tenant', header: 'x-tenant' }]
  ]
  for (const [url, headers, payload, where] of cases) {
    const res = await app.inject({ method: 'POST', url, headers, payload: payload as object })
    t.equal(res.statusCode, 422, url)
    const errors = res.json().errors as Array<Record<string, unknown>>
    t.equal(errors.length, 1, url)
    const { detail, code, ...rest } = errors[0] as Record<string, unknown>
    t.type(detail, 'string')
    t.type(code, 'string')
    t.strictSame(rest, where, `${url} ${JSON.stringify(where)}`)
  }
})
