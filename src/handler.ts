import type { FastifyReply, FastifyRequest } from 'fastify'
import { internalRecord, type NormalizedOptions } from './options.js'
import type { ErrorRecord, Format } from './record.js'
import { normalizeError, notFoundError, timestampOf, type NormalizedError, type RequestFacts } from './normalize.js'
import { isApiError } from './errors.js'
import { safeGet, safeString, toPlainJson } from './safe.js'

const jsonContentType = 'application/json; charset=utf-8'
// A request id goes into the X-Request-Id header only when it is visible ASCII: never split a response head.
const sendableRequestId = /^[\x21-\x7e]{1,256}$/

export interface ErrorResponse {
  status: number
  contentType: string
  payload: string
  headers: Array<[string, string]>
}

/**
 * The handlers of one registration: the error handler, the not-found
 * handler, and the formatting they share. Only these touch `reply`.
 */
export function createHandlers (opts: NormalizedOptions) {
  const { requestIdHeader, retryHeaders } = opts

  function render (request: FastifyRequest | undefined, normalized: NormalizedError, format: Format = opts.format): { payload: string, contentType: string, status: number } {
    const { record } = normalized
    try {
      return { payload: serializeWith(format, record), contentType: format.contentType, status: record.status }
    } catch (failure) {
      logFailure(request, failure, 'the error format failed; answering the internal error instead')
    }
    return { ...fallback(record.requestId, record.instance, format), status: opts.conditions.internal.status }
  }

  /** The fixed internal-error body, for when the format itself fails. */
  function fallback (requestId: string, instance: string, format: Format): { payload: string, contentType: string } {
    try {
      return { payload: serializeWith(format, internalRecord(opts, requestId, instance, timestampOf(opts.now))), contentType: format.contentType }
    } catch {}
    return {
      payload: JSON.stringify({ detail: 'Internal server error', error_code: 'INTERNAL_ERROR', request_id: requestId }),
      contentType: jsonContentType
    }
  }

  /** The format for this request: problem details when negotiation is on and the client asks for them. */
  function formatFor (request: FastifyRequest): Format {
    const accept = opts.negotiate === undefined ? undefined : request.headers.accept
    return typeof accept === 'string' && asksForProblem(accept)
      ? opts.negotiate as Format
      : opts.format
  }

  function logFailure (request: FastifyRequest | undefined, failure: unknown, message: string): void {
    try {
      request?.log.error({ err: loggable(failure, opts.redact) }, message)
    } catch {}
  }

  function facts (request: FastifyRequest, reply?: FastifyReply): RequestFacts {
    const url = typeof request.url === 'string' ? request.url : '/'
    const query = url.indexOf('?')
    const f: RequestFacts = {
      requestId: String(request.id),
      instance: query === -1 ? url : url.slice(0, query),
      method: request.method
    }
    const retryAfter = reply?.getHeader('retry-after')
    if (retryAfter !== undefined) f.retryAfterHeader = retryAfter
    return f
  }

  // Whether the request logger already binds `request_id` (requestIdOptions' label); the label is
  // server-wide, so the first error tells for all.
  let boundRequestId: boolean | undefined

  function log (request: FastifyRequest, normalized: NormalizedError, thrown: unknown): void {
    const { record, bug } = normalized
    boundRequestId ??= Object.hasOwn((request.log as { bindings?: () => object }).bindings?.() ?? {}, 'request_id')
    const fields = boundRequestId
      ? { error_code: record.code, status: record.status }
      : { request_id: record.requestId, error_code: record.code, status: record.status }
    try {
      if (record.status >= 500 || bug !== undefined) {
        request.log.error({ ...fields, err: loggable(thrown, opts.redact) }, bug ?? `${record.code}: ${describeThrown(thrown)}`)
      } else {
        request.log.info(fields, record.message)
      }
    } catch {
      // A value that even the logger cannot read still gets its response.
      request.log.error(fields, 'error that could not be logged')
    }
  }

  function send (reply: FastifyReply, normalized: NormalizedError): void {
    const { record, headers } = normalized
    const { payload, contentType, status } = render(reply.request, normalized, formatFor(reply.request))
    reply.code(status)
    for (const [name, value] of headers) reply.header(name, value)
    if (retryHeaders) {
      // What OpenAI's SDKs read before anything else when deciding to retry.
      reply.header('x-should-retry', record.retryable ? 'true' : 'false')
      if (record.retryAfter !== undefined) reply.header('retry-after-ms', String(record.retryAfter * 1000))
    }
    if (sendableRequestId.test(record.requestId)) reply.header(requestIdHeader, record.requestId)
    reply.header('content-type', contentType)
    reply.send(payload)
  }

  function sendFallback (request: FastifyRequest, reply: FastifyReply, failure: unknown): void {
    try {
      logFailure(request, failure, 'fastify-error-envelope failed to handle an error')
      const { requestId, instance } = facts(request)
      const { payload, contentType } = fallback(requestId, instance, opts.format)
      reply.code(opts.conditions.internal.status)
      if (sendableRequestId.test(requestId)) reply.header(requestIdHeader, requestId)
      reply.header('content-type', contentType)
      reply.send(payload)
    } catch {}
  }

  /**
   * The user's own mapping of their error classes, handed to `then`; a mapper that fails leaves the
   * error as it was. An async mapper is awaited (error handlers may be), so `then` may run later.
   */
  function mapped (error: unknown, request: FastifyRequest, then: (mappedError: unknown) => void): void {
    if (opts.mapError === undefined) return then(error)
    const failed = (failure: unknown): unknown => {
      logFailure(request, failure, 'mapError threw; answering the original error')
      return error
    }
    let result: unknown
    try {
      result = opts.mapError(error)
    } catch (failure) {
      return then(failed(failure))
    }
    if (!isThenable(result)) return then(result ?? error)
    Promise.resolve(result).then(value => value ?? error, failed).then(then).catch(() => {})
  }

  /** The error handler: anything thrown → the active format's envelope. Never throws. */
  function errorEnvelopeHandler (this: unknown, error: unknown, request: FastifyRequest, reply: FastifyReply): void {
    try {
      if (reply.sent || reply.raw.headersSent) {
        request.log.error({ err: loggable(error, opts.redact), request_id: String(request.id) }, 'error after the reply was sent')
        return
      }
      mapped(error, request, mappedError => { answer(mappedError, error, request, reply) })
    } catch (failure) {
      sendFallback(request, reply, failure)
    }
  }

  function answer (error: unknown, thrown: unknown, request: FastifyRequest, reply: FastifyReply): void {
    try {
      // After an awaited mapError the reply may have gone another way (a timeout, a closed socket).
      if (reply.sent) return
      const normalized = normalizeError(error, facts(request, reply), opts)
      log(request, normalized, thrown)
      send(reply, normalized)
    } catch (failure) {
      sendFallback(request, reply, failure)
    }
  }

  function notFoundEnvelopeHandler (request: FastifyRequest, reply: FastifyReply): void {
    errorEnvelopeHandler(notFoundError(facts(request)), request, reply)
  }

  /** Builds the response for an error without a reply, for the client-error handler. */
  function respond (error: unknown, f: RequestFacts): ErrorResponse {
    const normalized = normalizeError(error, f, opts)
    const { payload, contentType, status } = render(undefined, normalized)
    const headers = normalized.headers.slice()
    headers.push([requestIdHeader, normalized.record.requestId])
    return { status, contentType, payload, headers }
  }

  return { errorEnvelopeHandler, notFoundEnvelopeHandler, respond }
}

/** A nested error as the log can show it: pino's error serializer only reaches the top-level `err`. */
function summary (value: unknown, redact: RegExp | null): unknown {
  if (value === undefined) return undefined
  try {
    if (value instanceof Error) return { type: value.name, message: value.message, stack: value.stack, code: safeGet(value, 'code') }
  } catch {}
  return toPlainJson(value, redact)
}

/** A format's body as text; a custom serializer that returns anything else is a failure of the format. */
function serializeWith (format: Format, record: ErrorRecord): string {
  const body: unknown = format.build(record)
  if (isThenable(body)) {
    // Sent as it is, a promise would be `{}`; an async `build` is refused at register, this catches the others.
    body.then(undefined, () => {})
    throw new TypeError(`option 'format' ('${format.name}') returned a Promise: a format must build the body synchronously`)
  }
  const payload = (format.serialize ?? JSON.stringify)(body)
  if (typeof payload !== 'string') throw new TypeError(`format '${format.name}' serialized to ${typeof payload}, not a string`)
  return payload
}

function isThenable (value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
}

/** Whether an Accept header lists problem+json as acceptable: media types are case-insensitive, q=0 refuses. */
function asksForProblem (accept: string): boolean {
  return accept.split(',').some(range => {
    const [type, ...params] = range.split(';').map(part => part.trim().toLowerCase())
    const q = params.find(p => p.startsWith('q='))
    return type === 'application/problem+json' && (q === undefined || Number(q.slice(2)) > 0)
  })
}

/** Errors go to the logger as they are; other thrown values as plain JSON. */
function loggable (thrown: unknown, redact: RegExp | null): unknown {
  if (isApiError(thrown) && thrown.details !== undefined) {
    // The log keeps everything but the secrets the body also never shows.
    return { type: thrown.name, code: thrown.code, message: thrown.message, stack: thrown.stack, details: toPlainJson(thrown.details, redact), cause: summary(thrown.cause, redact) }
  }
  try {
    if (thrown instanceof Error) return thrown
  } catch {}
  return toPlainJson(thrown, redact)
}

function describeThrown (thrown: unknown): string {
  if (typeof thrown === 'string') return safeString(thrown) ?? 'empty string thrown'
  return safeString(safeGet(thrown, 'message')) ?? `${thrown === null ? 'null' : typeof thrown} thrown`
}
