import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ResolvedOptions } from './options.js'
import { errorRecord, type ErrorRecord, type Format, type RequestFacts } from './record.js'
import { toErrorAnswer, notFoundError, type ErrorAnswer } from './answer.js'
import { defaultSerializer } from './formats/index.js'
import { prefersAlternative, varyOnAccept } from './negotiate.js'
import type { ErrorTelemetry } from './telemetry.js'
import type { CompletionCarrier } from './log-controller.js'
import { fastifySymbol, isThenable, redactText, retryAfterSeconds, safeGet, safeString } from './safe.js'
import { describeThrown, loggable } from './loggable.js'
import { streamOf, type StreamAnswer } from './stream-errors.js'

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
/** What a registration adds to its options: telemetry, and where a 4xx is logged. */
export interface HandlerExtras {
  telemetry?: ErrorTelemetry | undefined
  /** With `clientErrorLog: 'completion'`: puts a 4xx's code on its completion line, when one will be written. */
  carryOnCompletion?: CompletionCarrier | undefined
  /** The undeclared check of routes that declare their errors (src/route-errors.ts). */
  checkAnswer?: ((request: FastifyRequest, thrown: unknown, answer: ErrorAnswer) => ErrorAnswer) | undefined
}

export function createHandlers (opts: ResolvedOptions, { telemetry, carryOnCompletion, checkAnswer }: HandlerExtras = {}) {
  const { requestIdHeader, retryHeaders } = opts

  function render (request: FastifyRequest | undefined, answer: ErrorAnswer, format: Format = opts.format): { payload: string, contentType: string, status: number } {
    const { record } = answer
    try {
      return { payload: serializeWith(format, record), contentType: format.contentType, status: record.status }
    } catch (failure) {
      logFailure(request, failure, 'the error format failed; answering the internal error instead')
    }
    return { ...fallback(record.requestId, record.instance, format), status: opts.conditions.internal.status }
  }

  /**
   * The internal-error body, for when the format failed: the format's own, if it can make that one;
   * else the preset's own format's, so the client still gets the body its documentation shows;
   * a fixed `flat` body only if even that fails.
   */
  function fallback (requestId: string, instance: string, format: Format): { payload: string, contentType: string } {
    const internal = opts.conditions.internal
    const record = errorRecord(internal, internal.entry.message, { requestId, instance }, opts)
    for (const candidate of format === opts.presetFormat ? [format] : [format, opts.presetFormat]) {
      try {
        return { payload: serializeWith(candidate, record), contentType: candidate.contentType }
      } catch {}
    }
    return {
      payload: JSON.stringify({ detail: internal.entry.message, error_code: internal.code, request_id: requestId }),
      contentType: jsonContentType
    }
  }

  /**
   * The format for this request: problem details when negotiation is on and the client's `Accept`
   * weighs them above the active format's content type (docs/formats.md, "Negotiation").
   */
  function formatFor (request: FastifyRequest): Format {
    const problem = opts.negotiate
    if (problem === undefined) return opts.format
    const accept = request.headers.accept
    return typeof accept === 'string' && prefersAlternative(accept, opts.format.contentType, problem.contentType)
      ? problem
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
    if (reply === undefined) return f
    const retryAfter = reply.getHeader('retry-after')
    if (retryAfter !== undefined) {
      // A wait no client can read would contradict the body, which cannot show it.
      if (retryAfterSeconds(retryAfter, Date.now()) === undefined) reply.removeHeader('retry-after')
      else f.retryAfterHeader = retryAfter
    }
    f.replyStatus = reply.statusCode
    return f
  }

  // Whether the request logger already binds `request_id` (requestIdOptions' label); the label is
  // server-wide, so the first error tells for all.
  let boundRequestId: boolean | undefined

  function log (request: FastifyRequest, answer: ErrorAnswer, thrown: unknown, streamEvents?: number): void {
    const { record, bug } = answer
    boundRequestId ??= Object.hasOwn((request.log as { bindings?: () => object }).bindings?.() ?? {}, 'request_id')
    const fields: Record<string, unknown> = boundRequestId
      ? { error_code: record.code, status: record.status }
      : { request_id: record.requestId, error_code: record.code, status: record.status }
    if (streamEvents !== undefined) fields.stream_events = streamEvents
    try {
      if (record.status >= 500 || bug !== undefined) {
        request.log.error({ ...fields, err: loggable(thrown, opts.redact) }, bug ?? `${record.code}: ${describeThrown(thrown, opts.redact)}`)
      } else if (carryOnCompletion?.(request, record.code) === true) {
        // Fastify's `request completed` line already has the status and the request id: it carries the code too.
      } else {
        // An error whose own message is not trusted to reach the client (docs/safety.md) still tells the log what it said.
        const own = safeString(safeGet(thrown, 'message'))
        if (own !== undefined && own !== record.message) request.log.info({ ...fields, thrown_message: opts.redact === null ? own : redactText(own) }, record.message)
        else request.log.info(fields, record.message)
      }
    } catch {
      // A value that even the logger cannot read still gets its response.
      request.log.error(fields, 'error that could not be logged')
    }
  }

  function send (reply: FastifyReply, answer: ErrorAnswer): void {
    const { record, headers } = answer
    const { payload, contentType, status } = render(reply.request, answer, formatFor(reply.request))
    reply.code(status)
    for (const [name, value] of headers) reply.header(name, value)
    // The body's shape depends on Accept: a cache must not hand one client's shape to another.
    if (opts.negotiate !== undefined) varyOnAccept(reply)
    if (retryHeaders) {
      // What OpenAI's SDKs read before anything else when deciding to retry.
      reply.header('x-should-retry', record.retryable ? 'true' : 'false')
      if (record.retryAfter !== undefined) reply.header('retry-after-ms', String(record.retryAfter * 1000))
    }
    if (sendableRequestId.test(record.requestId)) reply.header(requestIdHeader, record.requestId)
    reply.header('content-type', contentType)
    write(reply, payload)
  }

  /**
   * Sends an error answer. A header Node refuses to write (a value outside
   * Latin-1, CR, LF or NUL, a name that is no token) would make `writeHead`
   * throw inside Fastify's send, and the error that follows would come back
   * here to fail the same way: the request would never be answered. So every
   * such header already on the reply is dropped first, and logged.
   */
  function write (reply: FastifyReply, payload: string): void {
    const refused = refusedHeaders(reply)
    if (refused !== undefined) {
      for (const name of refused) reply.removeHeader(name)
      try {
        reply.log.error({ request_id: String(reply.request.id), headers: refused }, 'dropped response headers Node refuses to write')
      } catch {}
    }
    // Sent as a string with a serializer of its own, so Fastify neither serializes it again nor
    // appends `; charset=utf-8` to a JSON type that defines no charset (application/problem+json).
    reply.serializer(asIs).send(payload)
  }

  function sendFallback (request: FastifyRequest, reply: FastifyReply, failure: unknown): void {
    try {
      logFailure(request, failure, 'fastify-error-envelope failed to handle an error')
      // Half a response is on the wire: nothing can be added to it, and a client must not wait for the rest.
      if (reply.raw.headersSent) throw failure
      const { requestId, instance } = facts(request)
      const { payload, contentType } = fallback(requestId, instance, opts.format)
      reply.code(opts.conditions.internal.status)
      if (opts.negotiate !== undefined) varyOnAccept(reply)
      if (sendableRequestId.test(requestId)) reply.header(requestIdHeader, requestId)
      reply.header('content-type', contentType)
      write(reply, payload)
    } catch (last) {
      abandon(request, reply, last)
    }
  }

  /** Even the fixed answer cannot be written: closing the socket is the only answer left, never a hang. */
  function abandon (request: FastifyRequest, reply: FastifyReply, failure: unknown): void {
    logFailure(request, failure, 'the error answer could not be written; destroying the socket')
    try {
      reply.raw.destroy()
    /* c8 ignore next -- destroying a socket (or light-my-request's response) does not throw; the guard keeps a handler that must never throw from trusting that */
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
    handle(error, request, reply, true)
  }

  /** `reply.sendError(error)`: the same answer, asked for by the app itself. */
  function sendError (error: unknown, request: FastifyRequest, reply: FastifyReply): void {
    handle(error, request, reply, false)
  }

  function handle (error: unknown, request: FastifyRequest, reply: FastifyReply, fromFastify: boolean): void {
    try {
      // A stream the plugin guards answers with its last event, or hands the error back to the ordinary path.
      if (streamOf(reply)?.take(error) === true) return
      if (reply.sent || reply.raw.headersSent) {
        request.log.error({ err: loggable(error, opts.redact), request_id: String(request.id) }, 'error after the reply was sent')
        // A thrown error that stopped a response after its head (a trailer that threw, a handler that wrote
        // to the raw response): nothing more will be written, and a client would wait for the rest forever.
        // So the response is cut, as Fastify's own handler cuts it. An app calling sendError may go on writing;
        // a hijacked reply (sent, not ended) is the app's own.
        if (fromFastify && !reply.sent) reply.raw.destroy()
        return
      }
      mapped(error, request, mappedError => { answerError(mappedError, error, request, reply) })
    } catch (failure) {
      sendFallback(request, reply, failure)
    }
  }

  /**
   * The answer to an error of a route's request, in a body or a stream's last event alike: with the
   * undeclared check of routes that declare their errors (src/route-errors.ts).
   */
  function routeAnswer (error: unknown, request: FastifyRequest, requestFacts: RequestFacts): ErrorAnswer {
    const answer = toErrorAnswer(error, requestFacts, opts)
    return checkAnswer === undefined ? answer : checkAnswer(request, error, answer)
  }

  function answerError (error: unknown, thrown: unknown, request: FastifyRequest, reply: FastifyReply): void {
    try {
      // After an awaited mapError the reply may have gone another way (a timeout, a closed socket).
      if (reply.sent) return
      const answer = routeAnswer(error, request, facts(request, reply))
      log(request, answer, thrown)
      if (telemetry !== undefined) telemetry(request, answer, thrown)
      send(reply, answer)
    } catch (failure) {
      sendFallback(request, reply, failure)
    }
  }

  /** An error inside a started stream: the answer a body would carry, for the stream's last event. */
  const streamAnswer: StreamAnswer = (error, reply, events, done) => {
    const request = reply.request
    mapped(error, request, mappedError => {
      try {
        const answer = routeAnswer(mappedError, request, facts(request))
        log(request, answer, error, events)
        // The status on the wire is the stream's own (200): the telemetry says so, with the error's code.
        if (telemetry !== undefined) telemetry(request, answer, error, reply.statusCode)
        const format = formatFor(request)
        done({ ...render(request, answer, format), record: answer.record, format: format.name })
      } catch (failure) {
        logFailure(request, failure, 'fastify-error-envelope failed to answer an error inside a stream; ending the stream')
        done(undefined)
      }
    })
  }

  function notFoundEnvelopeHandler (request: FastifyRequest, reply: FastifyReply): void {
    errorEnvelopeHandler(notFoundError(facts(request)), request, reply)
  }

  /** Builds the response for an error without a reply, for the client-error handler. */
  function respond (error: unknown, f: RequestFacts): ErrorResponse {
    const answer = toErrorAnswer(error, f, opts)
    const { payload, contentType, status } = render(undefined, answer)
    const headers = answer.headers.slice()
    headers.push([requestIdHeader, answer.record.requestId])
    return { status, contentType, payload, headers }
  }

  return { errorEnvelopeHandler, sendError, notFoundEnvelopeHandler, respond, streamAnswer, abandon }
}

function asIs (payload: unknown): string {
  return payload as string
}

// What Node's `writeHead` checks (lib/_http_common.js): a name is a token; a value has no control
// character but tab. Tested here without Node's validators, which throw an error for every refusal.
const headerToken = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/
const refusedHeaderChar = /[^\t\x20-\x7e\x80-\xff]/

function refusedValue (value: unknown): boolean {
  try {
    return value !== undefined && refusedHeaderChar.test(String(value))
  } catch {
    return true // a value without a text (a throwing toString) cannot be written either
  }
}

// Where Fastify keeps the headers it hands to `writeHead`. Node checks a header set on the raw
// response when it is set (`setHeader` throws), so only these can still be refused at `writeHead`:
// read in place, they cost no copy of every header per error (`getHeaders()` makes two).
// Another copy of Fastify (tested) reads getHeaders().
const kReplyHeaders = fastifySymbol('kReplyHeaders')

/** The names of the reply's headers that Node's `writeHead` would refuse, name or value. */
function refusedHeaders (reply: FastifyReply): string[] | undefined {
  let refused: string[] | undefined
  const held = safeGet(reply, kReplyHeaders)
  const headers = typeof held === 'object' && held !== null ? held as Record<string, unknown> : reply.getHeaders()
  for (const name in headers) {
    const value = headers[name]
    if (!headerToken.test(name) || (Array.isArray(value) ? value.some(refusedValue) : refusedValue(value))) (refused ??= []).push(name)
  }
  return refused
}

/** A format's body as text; a custom serializer that returns anything else is a failure of the format. */
function serializeWith (format: Format, record: ErrorRecord): string {
  const body: unknown = format.build(record)
  if (isThenable(body)) {
    // Sent as it is, a promise would be `{}`; an async `build` is refused at register, this catches the others.
    body.then(undefined, () => {})
    throw new TypeError(`option 'format' ('${format.name}') returned a Promise: a format must build the body synchronously`)
  }
  const payload = (format.serialize ?? defaultSerializer(format.contentType))(body)
  if (typeof payload !== 'string') throw new TypeError(`format '${format.name}' serialized to ${typeof payload}, not a string`)
  return payload
}
