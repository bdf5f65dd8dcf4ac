import { connect, type AddressInfo, type Socket } from 'node:net'
import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { clientErrorHandler } from '../../src/index.js'
import { build, type Teardown } from '../helper.js'

// HTTP over raw sockets, for what inject() cannot show: malformed requests, heads Node refuses, held sockets.

// Generous: both cores may be busy; a request that is never answered fails at this deadline, not a timing guess.
export const deadlineMs = 10_000

export interface RawAnswer {
  /** Every byte the server wrote, as latin1 text. */
  text: string
  /** 0 when nothing like a status line came back. */
  status: number
  headers: Record<string, string>
  body: string
}

/** Listens on a free loopback port, closed when `t` ends; returns the port. */
export async function listen (t: Teardown, app: FastifyInstance): Promise<number> {
  t.teardown(() => app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })
  return (app.server.address() as AddressInfo).port
}

/** Writes `raw` on a socket of its own; resolves with every byte when the server closes it, rejects at the deadline. */
export function rawRequest (port: number, raw: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`${JSON.stringify(raw.slice(0, 40))}: no answer within ${deadlineMs} ms`))
    }, deadlineMs)
    socket.on('data', chunk => chunks.push(chunk))
    // The server may close while we are still writing a long head: what it sent still counts.
    socket.on('error', () => {})
    socket.on('close', () => {
      clearTimeout(timer)
      const text = Buffer.concat(chunks).toString('latin1')
      const split = text.indexOf('\r\n\r\n')
      const lines = (split === -1 ? text : text.slice(0, split)).split('\r\n')
      const headers: Record<string, string> = {}
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':')
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
      }
      resolve({ text, status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), headers, body: split === -1 ? '' : text.slice(split + 4) })
    })
    socket.write(raw)
  })
}

/** `GET path` with `Connection: close`, over a socket of its own. */
export async function rawGet (port: number, path: string): Promise<RawAnswer> {
  return await rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`)
}

/** How many sockets the server still holds, once it has had the chance to see them close. */
export async function openConnections (app: FastifyInstance): Promise<number> {
  const started = Date.now()
  for (;;) {
    const count = await new Promise<number>((resolve, reject) => app.server.getConnections((err, n) => err ? reject(err) : resolve(n)))
    if (count === 0 || Date.now() - started > deadlineMs) return count
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

/** Connects, and returns both ends of the connection. */
export async function connectPair (app: FastifyInstance, port: number): Promise<{ client: Socket, server: Socket }> {
  const serverSide = new Promise<Socket>(resolve => app.server.once('connection', resolve))
  const client = connect(port, '127.0.0.1')
  client.on('error', () => {})
  await new Promise(resolve => client.once('connect', resolve))
  return { client, server: await serverSide }
}

/** Sends `first`, then `then` once `when` appears in what came back; resolves with every byte when the server closes. */
export async function conversation (port: number, first: string, when: string, then: string): Promise<string> {
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

/** Bytes that are no HTTP: Node's parser reports them to the client-error handler. */
export const garbage = 'GARBAGE\u0000 NOT HTTP\r\n\r\n'

/**
 * A listening app whose `/stream` writes its head and a first chunk, then waits until the
 * client-error handler has seen the garbage before it writes the rest; `/ok` answers JSON.
 */
export async function streamingApp (t: Teardown): Promise<{ app: FastifyInstance, port: number }> {
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
  return { app, port: await listen(t, app) }
}
