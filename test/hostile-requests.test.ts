import { connect } from 'node:net'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import {
  presets,
  type Condition, type PresetName
} from '../src/index.js'
import { ajv, build, validators } from './helper.js'

type FormatName = keyof typeof validators

const presetNames: PresetName[] = ['aitbc', 'genai', 'sessions', 'tokenbay', 'problem']
const validId = /^[A-Za-z0-9._:-]{1,128}$/
const generatedId = /^req_[0-9a-f]{32}$/

type Body = Record<string, any>

function formatOf (preset: PresetName): FormatName {
  return presets[preset].format.name
}

/** The code and status a preset answers a condition with. */
function targetOf (preset: PresetName, condition: Condition, status?: number): { code: string, status: number } {
  const target = presets[preset].conditions[condition]
  const catalog = presets[preset].catalog as Record<string, { status: number }>
  const resolved = typeof target === 'string' ? { code: target, status: catalog[target]?.status ?? -1 } : target
  return status === undefined ? resolved : { ...resolved, status }
}

function codeOf (format: FormatName, body: Body): unknown {
  return format === 'flat' ? body.error_code : format === 'problem' ? body.code : body.error?.code
}

function requestIdOf (format: FormatName, body: Body): unknown {
  if (format === 'openai') return undefined
  return format === 'envelope' ? body.meta?.request_id : body.request_id
}

/** A response as both inject and the raw socket client give it. */
interface Answer {
  status: number
  headers: Record<string, string | string[] | number | undefined>
  body: Buffer
}

/**
 * Asserts the preset's envelope with the condition's status and code, and
 * that the request id is the incoming one exactly when that one is valid.
 */
function assertEnvelope (t: Test, preset: PresetName, res: Answer, expected: { code: string, status: number }, sentId: string | undefined, what: string): void {
  const format = formatOf(preset)
  t.equal(res.status, expected.status, `${what}: status`)
  t.match(String(res.headers['content-type']), format === 'problem' ? /^application\/problem\+json/ : /^application\/json/, `${what}: content type`)
  let text = ''
  t.doesNotThrow(() => { text = new TextDecoder('utf-8', { fatal: true }).decode(res.body) }, `${what}: the body is valid UTF-8`)
  let body: Body = {}
  t.doesNotThrow(() => { body = JSON.parse(text) }, `${what}: the body is JSON`)
  const validate = validators[format]
  t.ok(validate(body), `${what}: matches the ${format} schema${validate.errors == null ? '' : ': ' + ajv.errorsText(validate.errors)}`)
  t.equal(codeOf(format, body), expected.code, `${what}: code`)
  const id = res.headers['x-request-id']
  if (sentId !== undefined && validId.test(sentId)) {
    t.equal(id, sentId, `${what}: the valid incoming id is echoed`)
  } else {
    t.match(id, generatedId, `${what}: a fresh id replaces ${sentId === undefined ? 'the missing one' : JSON.stringify(sentId.slice(0, 40))}`)
  }
  if (format !== 'openai') t.equal(requestIdOf(format, body), id, `${what}: the body's id is the header's`)
}

interface Sent {
  method?: 'GET' | 'POST'
  url: string
  body?: string | Buffer
  contentType?: string | null
  requestId?: string
}

async function inject (app: FastifyInstance, sent: Sent): Promise<Answer> {
  const headers: Record<string, string> = {}
  if (sent.contentType !== null) headers['content-type'] = sent.contentType ?? 'application/json'
  if (sent.requestId !== undefined) headers['x-request-id'] = sent.requestId
  const res = await app.inject({ method: sent.method ?? 'POST', url: sent.url, headers, ...(sent.body === undefined ? {} : { payload: sent.body }) })
  return { status: res.statusCode, headers: res.headers, body: res.rawPayload }
}

/** Sends bytes as they are over a socket and parses the one response; the server must close or answer within 3 s. */
async function raw (port: number, request: string | Buffer): Promise<Answer> {
  return await new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    const timer = setTimeout(() => { socket.destroy(); reject(new Error('no response within 3 s')) }, 3000)
    socket.on('data', chunk => chunks.push(chunk))
    socket.on('error', () => {})
    socket.on('close', () => {
      clearTimeout(timer)
      const all = Buffer.concat(chunks)
      const end = all.indexOf('\r\n\r\n')
      if (end === -1) {
        reject(new Error(`no HTTP response: ${JSON.stringify(all.toString('latin1').slice(0, 200))}`))
        return
      }
      const [statusLine = '', ...lines] = all.subarray(0, end).toString('latin1').split('\r\n')
      const headers: Record<string, string | string[]> = {}
      for (const line of lines) {
        const colon = line.indexOf(':')
        const name = line.slice(0, colon).trim().toLowerCase()
        const value = line.slice(colon + 1).trim()
        const seen = headers[name]
        headers[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value]
      }
      const length = Number(headers['content-length'])
      const rest = all.subarray(end + 4)
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: Number.isInteger(length) ? rest.subarray(0, length) : rest })
    })
    socket.write(request)
  })
}

const typedSchema = {
  body: {
    type: 'object',
    required: ['name'],
    properties: { name: { type: 'string', maxLength: 20 } }
  }
} as const

async function appFor (t: Test, preset: PresetName): Promise<FastifyInstance> {
  const app = await build(t, { plugin: { preset } })
  app.post('/echo', async request => ({ keys: Object.keys(request.body ?? {}) }))
  app.post('/typed', { schema: typedSchema }, async () => ({ ok: true }))
  app.post('/small', { bodyLimit: 1024 }, async () => ({ ok: true }))
  return app
}

function assertNotPolluted (t: Test, what: string): void {
  t.equal(({} as Record<string, unknown>).polluted, undefined, `${what}: Object.prototype is not polluted`)
  t.notOk(Object.hasOwn(Object.prototype, 'polluted'), `${what}: no polluted key on Object.prototype`)
}

for (const preset of presetNames) {
  t.test(`${preset}: malformed, truncated and empty JSON`, async t => {
    const app = await appFor(t, preset)
    const malformed = targetOf(preset, 'malformedBody')
    for (const body of ['{"name":', '{"name":"abc', '{"name":"a",}', "{'name':'a'}", 'nul', '{"name":"a"}}', '\u0000', '{"a":1e999999x}']) {
      assertEnvelope(t, preset, await inject(app, { url: '/typed', body }), malformed, undefined, `malformed ${JSON.stringify(body)}`)
    }
    assertEnvelope(t, preset, await inject(app, { url: '/typed', body: '' }), targetOf(preset, 'emptyBody'), undefined, 'an empty JSON body')
    // A Content-Length that promises more than arrives.
    const res = await app.inject({ method: 'POST', url: '/typed', headers: { 'content-type': 'application/json', 'content-length': '100' }, payload: '{"name":"a"}' })
    assertEnvelope(t, preset, { status: res.statusCode, headers: res.headers, body: res.rawPayload }, malformed, undefined, 'a Content-Length that lies')
  })

  t.test(`${preset}: prototype-pollution payloads are refused`, async t => {
    const app = await appFor(t, preset)
    const malformed = targetOf(preset, 'malformedBody')
    const payloads = [
      '{"__proto__":{"polluted":1}}',
      '{"constructor":{"prototype":{"polluted":1}}}',
      '{"name":"a","nested":{"__proto__":{"polluted":1}}}',
      '{"name":"a","list":[{"constructor":{"prototype":{"polluted":1}}}]}',
      '{"\\u005f\\u005fproto__":{"polluted":1}}'
    ]
    for (const body of payloads) {
      for (const url of ['/echo', '/typed']) {
        assertEnvelope(t, preset, await inject(app, { url, body }), malformed, undefined, `${url} ${body}`)
        assertNotPolluted(t, body)
      }
    }
  })

  t.test(`${preset}: bodies over the limit`, async t => {
    const app = await appFor(t, preset)
    const tooLarge = targetOf(preset, 'payloadTooLarge')
    const kb2 = JSON.stringify({ name: 'a', pad: 'x'.repeat(2048) })
    assertEnvelope(t, preset, await inject(app, { url: '/small', body: kb2 }), tooLarge, undefined, '2 KB over a 1 KB route limit')
    const mb = JSON.stringify({ name: 'a', pad: 'x'.repeat(1024 * 1024) })
    assertEnvelope(t, preset, await inject(app, { url: '/echo', body: mb }), tooLarge, undefined, 'over the 1 MB server limit')

    // Chunked, without a Content-Length: the limit is counted as the body arrives.
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address() as AddressInfo
    const chunk = 'x'.repeat(600)
    const chunked = 'POST /small HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n' +
      `${(chunk.length).toString(16)}\r\n${chunk}\r\n${(chunk.length).toString(16)}\r\n${chunk}\r\n0\r\n\r\n`
    assertEnvelope(t, preset, await raw(port, chunked), tooLarge, undefined, 'a chunked body over the limit')
  })

  t.test(`${preset}: wrong and missing content types`, async t => {
    const app = await appFor(t, preset)
    const unsupported = targetOf(preset, 'unsupportedMediaType')
    const body = '{"name":"a"}'
    for (const contentType of ['application/xml', 'text/html', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'image/png', 'application/jsonx', 'json', 'application/json' + 'x'.repeat(10_000)]) {
      assertEnvelope(t, preset, await inject(app, { url: '/typed', body, contentType }), unsupported, undefined, `Content-Type ${contentType.slice(0, 40)}`)
    }
    assertEnvelope(t, preset, await inject(app, { url: '/typed', body, contentType: null }), unsupported, undefined, 'no Content-Type')
    const ok = await inject(app, { url: '/typed', body, contentType: 'application/json; charset=utf-8' })
    t.equal(ok.status, 200, 'the same body with the right type is accepted')
  })

  t.test(`${preset}: deeply nested JSON`, async t => {
    const app = await appFor(t, preset)
    const depth = 10_000
    assertEnvelope(t, preset, await inject(app, { url: '/typed', body: '['.repeat(depth) }), targetOf(preset, 'malformedBody'), undefined, `${depth} unclosed [`)
    assertEnvelope(t, preset, await inject(app, { url: '/typed', body: '['.repeat(depth) + ']'.repeat(depth) }), targetOf(preset, 'validation.type'), undefined, `${depth} nested arrays where an object is expected`)
    const nestedObjects = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
    assertEnvelope(t, preset, await inject(app, { url: '/typed', body: nestedObjects }), targetOf(preset, 'validation.required'), undefined, `${depth} nested objects without the required field`)
    const res = await inject(app, { url: '/echo', body: nestedObjects })
    t.equal(res.status, 200, 'a route without a schema takes the deep body')
  })

  t.test(`${preset}: invalid UTF-8 in a JSON body`, async t => {
    const app = await appFor(t, preset)
    const bytes = (...parts: Array<string | number[]>): Buffer => Buffer.concat(parts.map(p => typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p)))
    assertEnvelope(t, preset, await inject(app, { url: '/typed', body: bytes('{"name":', [0xff, 0xfe], '}') }), targetOf(preset, 'malformedBody'), undefined, 'bytes 0xff 0xfe as a value')
    assertEnvelope(t, preset, await inject(app, { url: '/typed', body: bytes('{"nam', [0xc3], '":"a"}') }), targetOf(preset, 'validation.required'), undefined, 'a truncated sequence in a key')
    assertEnvelope(t, preset, await inject(app, { url: '/typed', body: bytes('{"name":"', [0xc0, 0xaf, 0xed, 0xa0, 0x80], '"', [0x80], '}') }), targetOf(preset, 'malformedBody'), undefined, 'overlong and surrogate encodings')
  })

  t.test(`${preset}: X-Request-Id values`, async t => {
    const app = await appFor(t, preset)
    const notFound = targetOf(preset, 'notFound')
    const malformed = targetOf(preset, 'malformedBody')
    const ids = [
      'abc-123', 'x:y.z_w-1', 'a'.repeat(128), // valid: echoed
      'a'.repeat(129), 'a'.repeat(10 * 1024), '', ' ', 'a b', ' abc', 'abc ', '"abc"', "'abc'", 'a"b', 'é', 'abcé', '日本', '🙂',
      'a/b', 'a\tb', '<script>', 'a,b', 'a;b', '%0d%0a', 'a=b'
    ]
    for (const id of ids) {
      const what = `id ${JSON.stringify(id.slice(0, 24))}${id.length > 24 ? `… (${id.length})` : ''}`
      assertEnvelope(t, preset, await inject(app, { method: 'GET', url: '/missing', requestId: id }), notFound, id, `${what}, no route`)
      assertEnvelope(t, preset, await inject(app, { url: '/typed', body: '{', requestId: id }), malformed, id, `${what}, malformed body`)
    }
  })

  t.test(`${preset}: X-Request-Id values sent raw over a socket`, async t => {
    const app = await appFor(t, preset)
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address() as AddressInfo
    const notFound = targetOf(preset, 'notFound')
    const badHttp = targetOf(preset, 'badHttp')
    const request = (idLines: string | Buffer): Buffer => Buffer.concat([
      Buffer.from('GET /missing HTTP/1.1\r\nHost: localhost\r\n'),
      typeof idLines === 'string' ? Buffer.from(idLines, 'latin1') : idLines,
      Buffer.from('Connection: close\r\n\r\n')
    ])
    // Node refuses these heads: the client-error handler answers with the preset's 400 and a fresh id.
    const refused: Array<[string, string]> = [
      ['a bare CR inside the value', 'X-Request-Id: abc\rSet-Cookie: evil=1\r\n'],
      ['a NUL inside the value', 'X-Request-Id: abc\u0000def\r\n'],
      ['a folded continuation line', 'X-Request-Id: abc\r\n def\r\n'],
      ['a header name with a space', 'X Request-Id: abc\r\n']
    ]
    for (const [what, lines] of refused) {
      const res = await raw(port, request(lines))
      assertEnvelope(t, preset, res, badHttp, undefined, what)
      t.notOk('set-cookie' in res.headers, `${what}: nothing injected into the response`)
    }
    // Node parses these; the id is echoed only when valid.
    const parsed: Array<[string, string | Buffer, string | undefined]> = [
      ['CR LF ending the value early', 'X-Request-Id: abc\r\nX-Injected: 1\r\n', 'abc'],
      ['two X-Request-Id headers', 'X-Request-Id: abc\r\nX-Request-Id: def\r\n', 'abc, def'],
      ['UTF-8 bytes', Buffer.concat([Buffer.from('X-Request-Id: abc'), Buffer.from('é'), Buffer.from('\r\n')]), 'abcÃ©'],
      ['Latin-1 bytes', Buffer.from('X-Request-Id: abc\xe9\r\n', 'latin1'), 'abcé'],
      ['quotes and spaces', 'X-Request-Id: "a b"\r\n', '"a b"'],
      ['10 KB', `X-Request-Id: ${'a'.repeat(10 * 1024)}\r\n`, 'a'.repeat(10 * 1024)],
      ['a valid id', 'X-Request-Id: trace-1.2:3_4\r\n', 'trace-1.2:3_4']
    ]
    for (const [what, lines, seen] of parsed) {
      const res = await raw(port, request(lines))
      assertEnvelope(t, preset, res, notFound, seen, what)
      t.notOk('x-injected' in res.headers, `${what}: no request header comes back`)
    }
    const huge = await raw(port, request(`X-Request-Id: ${'a'.repeat(20 * 1024)}\r\n`))
    assertEnvelope(t, preset, huge, targetOf(preset, 'clientError', 431), undefined, 'a 20 KB id overflows the head')
    // The server still answers afterwards.
    assertEnvelope(t, preset, await raw(port, request('X-Request-Id: after-1\r\n')), notFound, 'after-1', 'a request after the hostile ones')
  })
}
