import { Readable } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest, onSendHookHandler, RouteHandlerMethod, RouteOptions } from 'fastify'
import { isPlainObject, optionError } from './option-error.js'
import { StreamTracker, streamKind, type StreamErrorAnswer, type StreamKind } from './stream-frames.js'

// Errors inside streams (docs/guides/streams.md): once an event stream or NDJSON response has
// sent its head, an error cannot be a status and a body any more. It becomes the stream's last
// event, written by the stream itself, and the stream ends cleanly. Before the head is sent,
// the error takes the ordinary path and gets its status and headers.

/**
 * What the error handler gives a stream: the answer for `error` (mapped, classified, logged with
 * the events sent before it), handed to `done`; undefined when no answer could be made.
 */
export type StreamAnswer = (error: unknown, reply: FastifyReply, events: number, done: (answer: StreamErrorAnswer | undefined) => void) => void

/** A stream of one reply, as the error handler sees it. */
export interface ReplyStream {
  /**
   * Takes `error` for the stream: true when the stream answers it (with an error event, by the
   * ordinary path through Fastify, or not at all because it already ended with an error or the
   * client is gone); false when the error handler should answer it as a body.
   */
  take: (error: unknown) => boolean
}

const kStream = Symbol('fastify-error-envelope.stream')

/** The stream a reply is sending, when it is one the plugin guards. */
export function streamOf (reply: FastifyReply): ReplyStream | undefined {
  return (reply as unknown as Record<symbol, ReplyStream | undefined>)[kStream]
}

function attach (reply: FastifyReply, stream: ReplyStream | undefined): void {
  (reply as unknown as Record<symbol, ReplyStream | undefined>)[kStream] = stream
}

/** The response can take no more bytes: the client went away or it already ended. */
function gone (reply: FastifyReply): boolean {
  return reply.raw.destroyed || reply.raw.writableEnded
}

/** A thrown `undefined` or `null` would read as a clean end to Node's streams. */
function asFailure (error: unknown): unknown {
  return error ?? new Error('the stream source failed without an error')
}

type Source = AsyncIterable<unknown> & { destroy?: () => void, getReader?: () => ReadableStreamDefaultReader<unknown> }

/**
 * A stream passed to `reply.send` with an event-stream or NDJSON content type, re-read through
 * a Readable that the plugin controls: a failure of the source (or `reply.sendError`) before
 * the head is sent destroys it with the error, which Fastify hands to the error handler as for
 * any stream; after the head, the answer is pushed as the last event and the stream ends.
 */
export function guardStream (source: Source, reply: FastifyReply, kind: StreamKind, answer: StreamAnswer): Readable {
  // A web stream is read through a reader of our own: its async iterator's `return` waits for the
  // pending read, so a source that waits (an upstream's body) would never be cancelled.
  const reader = typeof source.getReader === 'function' ? source.getReader() : undefined
  const iterator: AsyncIterator<unknown> = reader === undefined
    ? source[Symbol.asyncIterator]()
    : { next: async () => await reader.read() as IteratorResult<unknown> }
  const tracker = new StreamTracker(kind)
  let reading = false
  let failed = false

  function closeSource (): void {
    try {
      if (typeof source.destroy === 'function') source.destroy()
      else if (reader !== undefined) reader.cancel().then(undefined, () => {})
      else iterator.return?.()?.then(undefined, () => {})
    } catch {}
  }

  const out = new Readable({
    read () { pull() },
    destroy (error, callback) {
      // The client went away (Fastify destroys its payload) or the error takes the ordinary path.
      if (streamOf(reply) === stream) attach(reply, undefined)
      if (!failed) closeSource()
      failed = true
      callback(error)
    }
  })

  function pull (): void {
    if (reading || failed) return
    reading = true
    iterator.next().then(step => {
      reading = false
      if (failed) return
      if (step.done === true) {
        attach(reply, undefined)
        out.push(null)
        return
      }
      tracker.add(step.value)
      if (out.push(step.value)) pull()
    }, error => {
      reading = false
      if (!failed) stream.take(error)
    }).catch(error => { stream.take(error) })
  }

  const stream: ReplyStream = {
    take (error) {
      if (failed) return true
      failed = true
      if (!reply.raw.headersSent) {
        // Nothing is on the wire yet: Fastify sends the error handler's answer with its status.
        attach(reply, undefined)
        out.destroy(asFailure(error) as Error)
        return true
      }
      closeSource()
      if (gone(reply)) {
        out.destroy()
        return true
      }
      answer(error, reply, tracker.events, result => {
        if (out.destroyed) return
        if (result !== undefined) out.push(tracker.frame(result))
        out.push(null)
      })
      return true
    }
  }
  attach(reply, stream)
  return out
}

interface SSEContextLike {
  send: (source: unknown) => Promise<void>
  close: () => void
  isConnected?: boolean
  stopHeartbeat?: () => void
}

function isContext (value: unknown): value is SSEContextLike {
  return typeof value === 'object' && value !== null &&
    typeof (value as SSEContextLike).send === 'function' && typeof (value as SSEContextLike).close === 'function'
}

function isIterable (value: unknown): value is AsyncIterable<unknown> & { destroy?: () => void } {
  return typeof value === 'object' && value !== null && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
}

/**
 * Guards the `reply.sse` context of `@fastify/sse` for one request. Its `send` counts events and
 * lets a failing source's error out (a `Readable`'s is otherwise only logged, and the response
 * destroyed); its `close` waits while the route's handler runs, so that an error the handler
 * throws is still written before `@fastify/sse` ends the response.
 */
function guardContext (reply: FastifyReply, answer: StreamAnswer): { release: () => void, settled: () => Promise<void> } {
  let holding = true
  let closeAsked = false
  let events = 0
  let failed = false
  let settled = Promise.resolve()
  let context: SSEContextLike | undefined
  const sources = new Set<{ destroy?: () => void }>()

  function wrap (ctx: SSEContextLike): void {
    context = ctx
    const close = ctx.close.bind(ctx)
    const send = ctx.send.bind(ctx)
    ctx.close = () => {
      if (holding) closeAsked = true
      else close()
    }
    ctx.send = async (source: unknown) => {
      if (failed) throw new Error('the event stream already ended with an error')
      if (typeof source === 'string' || Buffer.isBuffer(source) || !isIterable(source)) {
        events++
        return await send(source)
      }
      sources.add(source)
      try {
        await send(counted(source))
      } finally {
        sources.delete(source)
      }
    }
    attach(reply, stream)
  }

  // Every source, `Readable` included, as an async iterable: its error rejects `send` instead of being swallowed.
  async function * counted (source: AsyncIterable<unknown>): AsyncGenerator<unknown> {
    for await (const chunk of source) {
      if (failed) return
      events++
      yield chunk
    }
  }

  const stream: ReplyStream = {
    take (error) {
      if (failed) return true
      if (context === undefined || !reply.raw.headersSent) return false
      failed = true
      context.stopHeartbeat?.()
      for (const source of sources) {
        try {
          source.destroy?.()
        } catch {}
      }
      if (gone(reply)) return true
      const ctx = context
      const tracker = new StreamTracker('sse')
      settled = new Promise(resolve => {
        answer(error, reply, events, result => {
          if (result !== undefined && !gone(reply)) reply.raw.write(tracker.frame(result))
          ctx.close()
          resolve()
        })
      })
      return true
    }
  }

  const existing = (reply as unknown as { sse?: unknown }).sse
  if (isContext(existing)) {
    wrap(existing)
  } else {
    // `@fastify/sse` wraps the handler outside this one (it was registered first): its context arrives later.
    let value: unknown
    Object.defineProperty(reply, 'sse', {
      configurable: true,
      enumerable: true,
      get: () => value,
      set: (next: unknown) => {
        value = next
        if (isContext(next)) wrap(next)
      }
    })
  }
  return {
    settled: () => settled,
    release () {
      holding = false
      if (closeAsked) context?.close()
    }
  }
}

type Route = Pick<RouteOptions, 'method' | 'url' | 'config' | 'schema' | 'onSend'> & { sse?: unknown }

/** A route of `@fastify/sse`, which ignores an `sse` of `false`, `null` or `undefined`. */
function sseRoute (route: Route): boolean {
  return route.sse !== undefined && route.sse !== null && route.sse !== false
}

/** A `schema.response` entry that lists its contents by media type, as Fastify reads one. */
function streamingContent (response: unknown): boolean {
  if (!isPlainObject(response)) return false
  for (const code of Object.keys(response)) {
    const entry = response[code]
    const content = isPlainObject(entry) ? entry.content : undefined
    if (!isPlainObject(content)) continue
    if (Object.keys(content).some(type => streamKind(type) !== undefined)) return true
  }
  return false
}

/**
 * Whether a route says it streams (docs/guides/streams.md): it is a `@fastify/sse` route, its
 * `schema.response` lists a `text/event-stream` or `application/x-ndjson` content for some
 * status, or its `config.stream` is true. Only those routes get the guard, so that the success
 * path of every other route runs no onSend hook of ours.
 */
export function declaresStream (route: Route): boolean {
  const stream = (route.config as { stream?: unknown } | undefined)?.stream
  if (stream !== undefined && typeof stream !== 'boolean') {
    throw optionError('config.stream', 'a boolean', stream, `${String(route.method)} ${route.url}`)
  }
  if (stream === true) return true
  if (sseRoute(route)) return true
  return streamingContent((route.schema as { response?: unknown } | undefined)?.response)
}

/**
 * An earlier onSend hook (compression) has encoded the payload: an event appended to its bytes
 * would corrupt them, so such a stream is left as Fastify streams it. The guard runs after the
 * app's own onSend hooks, being a route's.
 */
function encoded (reply: FastifyReply): boolean {
  const encoding = reply.getHeader('content-encoding')
  return encoding !== undefined && String(encoding).trim().toLowerCase() !== 'identity'
}

/** Adds `hook` after the route's own onSend hooks, which Fastify takes as undefined, one function or an array. */
function addOnSend (route: Route, hook: onSendHookHandler): void {
  const own = route.onSend as onSendHookHandler | onSendHookHandler[] | undefined | null
  route.onSend = own === undefined || own === null ? [hook] : Array.isArray(own) ? [...own, hook] : [own, hook]
}

/**
 * Wires errors inside streams on the routes that say they stream (`declaresStream`): a route
 * `onSend` hook that guards event-stream and NDJSON payloads passed to `reply.send`, and, on
 * `@fastify/sse` routes, a handler that guards `reply.sse`. Other routes get neither.
 */
export function registerStreamErrors (fastify: FastifyInstance, answer: StreamAnswer, abandon: (request: FastifyRequest, reply: FastifyReply, failure: unknown) => void): void {
  const guardStreamPayload: onSendHookHandler = function guardStreamPayload (request, reply, payload, done) {
    let guarded: ReplyStream | undefined
    try {
      // The common case, a string or a buffer, leaves at the first test.
      if (typeof payload !== 'object' || payload === null || Buffer.isBuffer(payload) || reply.raw.headersSent) return done(null, payload)
      const streamLike = typeof (payload as { pipe?: unknown }).pipe === 'function' || typeof (payload as { getReader?: unknown }).getReader === 'function'
      const kind = streamLike ? streamKind(reply.getHeader('content-type')) : undefined
      if (kind === undefined || !isIterable(payload) || streamOf(reply) !== undefined || encoded(reply)) return done(null, payload)
      const out = guardStream(payload, reply, kind, answer)
      guarded = streamOf(reply)
      done(null, out)
    } catch (failure) {
      // `done` writes the response: a write that fails after the head was sent (a trailer that throws)
      // cannot be followed by a second answer, as Fastify would try for a throwing hook.
      if (reply.raw.headersSent) return abandon(request, reply, failure)
      // Before the head (a header Node refuses), Fastify's error path answers it, as for any route: the
      // stream never went out, so it is no longer ours to answer for (Fastify closes it with the response).
      if (guarded !== undefined && streamOf(reply) === guarded) attach(reply, undefined)
      throw failure
    }
  }

  fastify.addHook('onRoute', function guardStreamingRoute (route) {
    if (!declaresStream(route)) return
    addOnSend(route, guardStreamPayload)
    if (!sseRoute(route)) return
    const handler = route.handler
    route.handler = async function eventStreamHandler (this: FastifyInstance, request, reply) {
      const guard = guardContext(reply, answer)
      let result: unknown
      try {
        result = await (handler as RouteHandlerMethod).call(this, request, reply)
      } catch (error) {
        if (streamOf(reply)?.take(error) === true) await guard.settled()
        throw error
      } finally {
        guard.release()
      }
      return result
    }
  })
}
