import { connect, type AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ApiError } from '../src/index.js'
import { build, logCapture } from './helper.js'

// Generous: both cores may be busy; a request that is never answered fails at this deadline, not a timing guess.
const deadlineMs = 10_000

interface RawAnswer {
  /** Every byte the server wrote, as latin1 text. */
  text: string
  status: number
  headers: Record<string, string>
  body: string
}

/** One HTTP/1.1 request over its own socket; resolves when the server closes it, rejects at the deadline. */
function rawRequest (port: number, path: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`GET ${path}: no answer within ${deadlineMs} ms`))
    }, deadlineMs)
    socket.on('data', chunk => chunks.push(chunk))
    socket.on('error', () => {})
    socket.on('close', () => {
      clearTimeout(timer)
      const text = Buffer.concat(chunks).toString('latin1')
      const split = text.indexOf('\r\n\r\n')
      const lines = (split === -1 ? text : text.slice(0, split)).split('\r\n')
      const headers: Record<string, string> = {}
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':')
        if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
      }
      resolve({ text, status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), headers, body: split === -1 ? '' : text.slice(split + 4) })
    })
    socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`)
  })
}

async function listen (t: Test, app: FastifyInstance): Promise<number> {
  t.teardown(() => app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })
  return (app.server.address() as AddressInfo).port
}

/** How many sockets the server still holds, once it has had the chance to see them close. */
async function openConnections (app: FastifyInstance): Promise<number> {
  const started = Date.now()
  for (;;) {
    const count = await new Promise<number>((resolve, reject) => app.server.getConnections((err, n) => err ? reject(err) : resolve(n)))
    if (count === 0 || Date.now() - started > deadlineMs) return count
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

// Every kind of header Node refuses to write: a value outside Latin-1, CR, LF or NUL in a value, a name that is no token.
const refused: Record<string, [string, string]> = {
  'a non-Latin-1 value': ['content-disposition', 'attachment; filename="€.pdf"'],
  'a CR in the value': ['x-note', 'a\rb'],
  'an LF in the value': ['x-note', 'a\nSet-Cookie: x=1'],
  'a NUL in the value': ['x-note', 'a\u0000b'],
  'an invalid name': ['x bad(name)', 'fine']
}

// Every way a route can end after setting it: thrown or returned, async or with the callback API.
type Handler = (request: FastifyRequest, reply: FastifyReply) => unknown
const routes: Record<string, { status: number, code: string, handler: (name: string, value: string) => Handler }> = {
  'async, throws an internal error': {
    status: 500,
    code: 'SYSTEM_INTERNAL_ERROR',
    handler: (name, value) => async (_request, reply) => { reply.header(name, value); throw new Error('boom') }
  },
  'async, throws a catalog error': {
    status: 404,
    code: 'JOB_NOT_FOUND',
    handler: (name, value) => async (_request, reply) => { reply.header(name, value); throw new ApiError('JOB_NOT_FOUND') }
  },
  'async, returns a value': {
    status: 500,
    code: 'SYSTEM_INTERNAL_ERROR',
    handler: (name, value) => async (_request, reply) => { reply.header(name, value); return { ok: true } }
  },
  'callback, throws': {
    status: 500,
    code: 'SYSTEM_INTERNAL_ERROR',
    handler: (name, value) => (_request, reply) => { reply.header(name, value); throw new Error('boom') }
  },
  'callback, sends a value': {
    status: 500,
    code: 'SYSTEM_INTERNAL_ERROR',
    handler: (name, value) => (_request, reply) => { reply.header(name, value); reply.send({ ok: true }) }
  },
  'callback, sends an error': {
    status: 500,
    code: 'SYSTEM_INTERNAL_ERROR',
    handler: (name, value) => (_request, reply) => { reply.header(name, value); reply.send(new Error('boom')) }
  }
}

t.test('a header Node refuses is dropped and logged; the error answer still goes out, and the socket is not held', async t => {
  const { stream, lines } = logCapture()
  const app = await build(t, { server: { logger: { level: 'info', stream } } })
  const cases: Array<{ path: string, what: string, name: string, status: number, code: string }> = []
  let n = 0
  for (const [headerKind, [name, value]] of Object.entries(refused)) {
    for (const [routeKind, route] of Object.entries(routes)) {
      const path = `/case-${n++}`
      app.get(path, route.handler(name, value) as never)
      cases.push({ path, what: `${routeKind}, ${headerKind}`, name, status: route.status, code: route.code })
    }
  }
  const port = await listen(t, app)
  const answers = await Promise.all(cases.map(c => rawRequest(port, c.path).then(a => ({ ...c, answer: a }), (err: Error) => ({ ...c, answer: err }))))
  for (const { what, name, status, code, answer } of answers) {
    if (answer instanceof Error) {
      t.fail(`${what}: ${answer.message}`)
      continue
    }
    t.equal(answer.status, status, `${what}: status`)
    t.equal(answer.headers[name], undefined, `${what}: the refused header is not sent`)
    t.notMatch(answer.text, /set-cookie/i, `${what}: nothing smuggled into the head`)
    const body = JSON.parse(answer.body)
    t.equal(body.error_code, code, `${what}: the envelope's code`)
    t.equal(body.request_id, answer.headers['x-request-id'], `${what}: the request id, as always`)
  }
  const dropped = lines.filter(l => l.msg === 'dropped response headers Node refuses to write')
  t.ok(dropped.length >= cases.length, 'every drop is logged')
  t.ok(dropped.every(l => typeof l.request_id === 'string' && Array.isArray(l.headers)), 'with the request id and the header names')
  t.notOk(lines.some(l => JSON.stringify(l).includes('€.pdf') || JSON.stringify(l).includes('a\\nSet-Cookie')), 'the refused values are not logged')
  t.equal(await openConnections(app), 0, 'no socket is left open')
})

t.test('50 requests that set a refused header hold no socket', async t => {
  const app = await build(t)
  app.get('/download', async (_request, reply) => {
    reply.header('content-disposition', 'attachment; filename="€.pdf"')
    return 'pdf'
  })
  const port = await listen(t, app)
  const answers = await Promise.all(Array.from({ length: 50 }, async () => await rawRequest(port, '/download')))
  t.ok(answers.every(a => a.status === 500), 'each is answered with the internal error')
  t.equal(await openConnections(app), 0, 'and none of their sockets is still open')
})

t.test('headers an error asks for are held to the same rule', async t => {
  const app = await build(t)
  app.get('/api-error', async () => {
    throw new ApiError('JOB_NOT_FOUND', { headers: { 'x-note': 'caf\u20ac', 'x-fine': 'yes', 'x-split': 'a\r\nSet-Cookie: x=1' } })
  })
  const port = await listen(t, app)
  const answer = await rawRequest(port, '/api-error')
  t.equal(answer.status, 404)
  t.equal(JSON.parse(answer.body).error_code, 'JOB_NOT_FOUND')
  t.equal(answer.headers['x-fine'], 'yes', 'a header Node accepts is kept')
  t.equal(answer.headers['x-note'], undefined)
  t.notMatch(answer.text, /set-cookie/i)
})

t.test('when even the answer cannot be written, the socket is destroyed', async t => {
  const { stream, lines } = logCapture()
  const app = await build(t, { server: { logger: { level: 'info', stream } } })
  // A response object that refuses every head it is given.
  const refuseHead = async (_request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    reply.raw.writeHead = () => { throw new TypeError('writeHead refused') }
  }
  // The head is taken, then the body cannot be written: half an answer that a second one must not follow.
  const refuseBody = async (_request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    reply.raw.end = () => { throw new TypeError('end refused') }
  }
  app.get('/broken', { onRequest: refuseHead }, async () => { throw new Error('boom') })
  app.get('/ok-but-broken', { onRequest: refuseHead }, async () => ({ ok: true }))
  app.get('/head-then-fail', { onRequest: refuseBody }, async () => { throw new Error('boom') })
  const port = await listen(t, app)
  for (const path of ['/broken', '/ok-but-broken', '/head-then-fail']) {
    const answer = await rawRequest(port, path)
    t.equal(answer.text, '', `${path}: nothing was written, and the socket was closed`)
  }
  t.equal(lines.filter(l => l.msg === 'the error answer could not be written; destroying the socket').length, 3, 'each is logged')
  t.equal(await openConnections(app), 0, 'no socket is left open')
})
