import type { ServerResponse } from 'node:http'
import { reasonPhrase } from './reason-phrases.js'
import type { Socket } from 'node:net'
import { createHandlers, type ErrorResponse } from './handler.js'
import { resolveOptions } from './options.js'
import type { RequestFacts } from './record.js'
import { generateRequestId } from './request-id.js'

type Respond = (error: unknown, facts: RequestFacts) => ErrorResponse

const responders = new WeakMap<object, Respond>()
// Sockets that close once the response in progress on them has finished.
const closing = new WeakSet<Socket>()

/** Records how the plugin registered on `instance` answers, for the client-error handler. */
export function setClientErrorResponder (instance: object, respond: Respond): void {
  responders.set(instance, respond)
}

function errorFor (code: unknown): { statusCode: number, code?: string, message: string } {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { statusCode: 408, code: 'FEE_CLIENT_TIMEOUT', message: 'Client timeout' }
  if (code === 'HPE_HEADER_OVERFLOW') return { statusCode: 431, code: 'FEE_HEADER_OVERFLOW', message: 'Exceeded maximum allowed HTTP header size' }
  return { statusCode: 400, code: 'FEE_BAD_HTTP', message: 'Malformed HTTP request' }
}

// The default preset's envelope, for a server whose plugin registered in a child context.
let defaultRespond: Respond | undefined

/**
 * A Fastify server option: HTTP that Node cannot parse never reaches the
 * error handler, so this answers it with the active preset's 400 envelope.
 *
 * @example
 * const app = Fastify({ ...requestIdOptions(), clientErrorHandler })
 */
export function clientErrorHandler (this: unknown, err: Error & { code?: string }, socket: Socket): void {
  // As Node and Fastify do: a reset or closed socket has no one to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed || closing.has(socket)) return
  const inProgress = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage
  if (inProgress != null && inProgress.headersSent && !inProgress.writableFinished) {
    // A response is on the wire (a stream, say, with garbage pipelined behind its request): a 400 written
    // now would land inside it. Node's own handler writes nothing then; we also let the response finish
    // before the connection closes, so that its client gets all of it. The parser reports every later
    // chunk of the garbage again: `closing` answers those.
    closing.add(socket)
    const close = (): void => { socket.destroySoon() }
    inProgress.once('finish', close)
    inProgress.once('close', close)
    return
  }
  try {
    const respond = (typeof this === 'object' && this !== null ? responders.get(this) : undefined) ?? (defaultRespond ??= createHandlers(resolveOptions()).respond)
    if (socket.writable) {
      const res = respond(errorFor(err.code), { requestId: generateRequestId(), instance: '', method: '' })
      const head = [`HTTP/1.1 ${res.status} ${reasonPhrase(res.status)}`,
        `Content-Type: ${res.contentType}`,
        `Content-Length: ${Buffer.byteLength(res.payload)}`,
        'Connection: close',
        ...res.headers.map(([name, value]) => `${name}: ${value}`)]
      socket.write(head.join('\r\n') + '\r\n\r\n' + res.payload)
    }
  } finally {
    socket.destroy(err)
  }
}
