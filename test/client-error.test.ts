import { connect, type AddressInfo, type Socket } from 'node:net'
import { Readable } from 'node:stream'
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { clientErrorHandler } from '../src/index.js'
import { build } from './helper.js'

// Generous: both cores may be busy; a missing close fails here, not a timing guess.
const deadlineMs = 10_000
const garbage = 'GARBAGE\u0000 NOT HTTP\r\n\r\n'

/**
 * An app whose `/stream` writes its head and a first chunk, then waits until the
 * client-error handler has seen the garbage before it writes the rest.
 */
async function streamingApp (t: { teardown: (fn: () => unknown) => void }): Promise<{ app: FastifyInstance, port: number }> {
  let sawClientError: () => void = () => {}
  const app = await build(t, {
    server: {
      clientErrorHandler (this: FastifyInstance, err: Error, socket: Socket) {
        clientErrorHandler.call(this, err, socket)
        // Node reports the garbage again with every later chunk of it; the second report must write nothing either.
        clientErrorHandler.call(this, err, socket)
        sawClientError()
      }
    }
  })
  app.get('/stream', async (_request, reply) => {
    const seen = new Promise<void>(resolve => { sawClientError = resolve })
    const body = new Readable({ read () {} })
    body.push('first-chunk\n')
    seen.then(() => {
      body.push('last-chunk\n')
      body.push(null)
    }, () => {})
    return await reply.type('text/plain').send(body)
  })
  app.get('/ok', async () => ({ ok: true }))
  t.teardown(() => app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, port: (app.server.address() as AddressInfo).port }
}

/** Sends `first`, then `then` once `when` appears in what came back; resolves with every byte when the server closes. */
async function conversation (port: number, first: string, when: string, then: string): Promise<string> {
  return await new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let received = ''
    let sent = false
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`the connection was not closed within ${deadlineMs} ms; received ${JSON.stringify(received)}`))
    }, deadlineMs)
    socket.on('data', chunk => {
      received += chunk.toString('latin1')
      if (!sent && received.includes(when)) {
        sent = true
        socket.write(then)
      }
    })
    socket.on('error', () => {})
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(received)
    })
    socket.write(first)
  })
}

t.test('garbage pipelined behind a streamed response: the stream is completed, then the connection closed, no 400 inside it', async t => {
  const { port } = await streamingApp(t)
  const received = await conversation(port, 'GET /stream HTTP/1.1\r\nHost: localhost\r\n\r\n', 'first-chunk', garbage)
  t.match(received, /^HTTP\/1\.1 200 OK\r\n/, 'the streamed response')
  t.equal(received.split('HTTP/1.1 ').length - 1, 1, 'one response head, no other')
  t.notMatch(received, /\b400\b|Malformed HTTP request/, 'no 400 written into the stream')
  t.match(received, /first-chunk\n\r\n[^]*last-chunk\n\r\n0\r\n\r\n$/, 'the whole stream, to its last chunk, then the close')
})

t.test('garbage after a finished response is answered with the envelope, then the connection closed', async t => {
  const { port } = await streamingApp(t)
  const received = await conversation(port, 'GET /ok HTTP/1.1\r\nHost: localhost\r\n\r\n', '{"ok":true}', garbage)
  const heads = received.match(/HTTP\/1\.1 \d{3}/g)
  t.same(heads, ['HTTP/1.1 200', 'HTTP/1.1 400'], 'the route answer, then the 400, once')
  const envelope = JSON.parse(received.slice(received.lastIndexOf('\r\n\r\n') + 4))
  t.same(Object.keys(envelope), ['detail', 'error_code', 'request_id'], 'the 400 is the envelope')
})
