import t from 'tap'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { ApiError } from '../src/index.js'
import { build, logCapture } from './helper.js'
import { listen, openConnections, rawGet, rawRequest } from './helpers/raw-http.js'

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
  const answers = await Promise.all(cases.map(c => rawGet(port, c.path).then(a => ({ ...c, answer: a }), (err: Error) => ({ ...c, answer: err }))))
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

t.test('headers an error asks for are held to the same rule', async t => {
  const app = await build(t)
  app.get('/api-error', async () => {
    throw new ApiError('JOB_NOT_FOUND', { headers: { 'x-note': 'caf\u20ac', 'x-fine': 'yes', 'x-split': 'a\r\nSet-Cookie: x=1' } })
  })
  const port = await listen(t, app)
  const answer = await rawGet(port, '/api-error')
  t.equal(answer.status, 404)
  t.equal(JSON.parse(answer.body).error_code, 'JOB_NOT_FOUND')
  t.equal(answer.headers['x-fine'], 'yes', 'a header Node accepts is kept')
  t.equal(answer.headers['x-note'], undefined)
  t.notMatch(answer.text, /set-cookie/i)
})

// Every way an error reaches the error handler after the head was written, with the response unfinished.
const afterTheHead: Record<string, Handler> = {
  'a trailer that throws': async (_request, reply) => {
    reply.trailer('x-digest', () => { throw new Error('digest failed') })
    return 'hello'
  },
  'an async handler that wrote the head itself, then threw': async (_request, reply) => {
    reply.raw.writeHead(200, { 'content-type': 'text/plain' })
    reply.raw.write('partial')
    throw new Error('late failure')
  },
  'a callback handler that wrote the head itself, then sent an error': (_request, reply) => {
    reply.raw.writeHead(200, { 'content-type': 'text/plain' })
    reply.raw.write('partial')
    reply.send(new Error('late failure'))
  }
}

t.test('an error after the head cuts the unfinished response, as Fastify does: the client is never left waiting', async t => {
  const { stream, lines } = logCapture()
  const app = await build(t, { server: { logger: { level: 'info', stream } } })
  const paths = Object.keys(afterTheHead).map((what, i) => ({ what, path: `/late-${i}` }))
  for (const { what, path } of paths) app.get(path, afterTheHead[what] as never)
  app.get('/ok', async () => ({ ok: true }))
  const port = await listen(t, app)
  for (const { what, path } of paths) {
    // Keep-alive: a response that is never finished would hold the socket until the deadline.
    const answer = await rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`)
    t.notMatch(answer.text, /\r\n0\r\n\r\n$/, `${what}: the body is not passed off as complete`)
  }
  t.equal(lines.filter(l => l.level === 50 && l.msg === 'error after the reply was sent').length, paths.length, 'each is logged as an error')
  t.same(JSON.parse((await rawGet(port, '/ok')).body), { ok: true }, 'the server goes on')
  t.equal(await openConnections(app), 0, 'no socket is left open')
})
