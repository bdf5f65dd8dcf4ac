import { randomFillSync } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify'
import { checkKeys, headerName, isPlainObject, optionError } from './option-error.js'
import { internalModule, safeGet } from './safe.js'

const requestIdKeys = new Set(['header', 'generate', 'traceparent', 'logLabel'])

/** What a client may send as its own request id; anything else is replaced. */
export const validRequestId = /^[A-Za-z0-9._:-]{1,128}$/

// 16 bytes (128 bits) from the CSPRNG per id, drawn from a 16 KiB pool that is refilled every 1024
// ids: one randomFillSync per 1024 requests instead of a UUID, its string and a replaceAll per request.
// Every id is as unguessable as a random UUID's 122 bits, and independent of the ids before it.
// allocUnsafeSlow: a buffer of its own, not a slice of Node's shared Buffer pool.
const ID_BYTES = 16
const POOL_BYTES = ID_BYTES * 1024
const pool = Buffer.allocUnsafeSlow(POOL_BYTES)
let poolOffset = POOL_BYTES

/** A fresh id: `req_` and 32 random hex digits (128 bits from the CSPRNG). */
export function generateRequestId (): string {
  if (poolOffset === POOL_BYTES) {
    randomFillSync(pool)
    poolOffset = 0
  }
  const start = poolOffset
  poolOffset = start + ID_BYTES
  return 'req_' + pool.toString('hex', start, start + ID_BYTES)
}

export interface RequestIdOptions {
  /** The request header a client's own id arrives in. Default `'x-request-id'`. */
  header?: string
  /** Makes a new id; set it in tests for stable snapshots. Default `req_` + random. */
  generate?: () => string
  /**
   * Without a valid own id, take the trace id of a valid W3C `traceparent` header (32 lowercase
   * hex digits), so the body's `request_id`, the log line and the trace are one id. Default false.
   */
  traceparent?: boolean
  /**
   * The log field the request id is written under. Default `'request_id'`, the name the error
   * bodies use; `'reqId'` keeps Fastify's own name (log queries written for Fastify's default
   * keep working) and Fastify's own child logger factory.
   */
  logLabel?: string
}

type ChildLoggerFactory = NonNullable<FastifyServerOptions['childLoggerFactory']>

export interface RequestIdServerOptions {
  requestIdHeader: false
  genReqId: (req: IncomingMessage) => string
  /** With `logLabel: 'reqId'`, Fastify's own factory. */
  childLoggerFactory: ChildLoggerFactory
  /** A URL Fastify cannot route is answered through the error handler, with a request id. */
  frameworkErrors: FrameworkErrors
}

type FrameworkErrors = NonNullable<FastifyServerOptions['frameworkErrors']>

type ErrorSender = (error: unknown, request: FastifyRequest, reply: FastifyReply) => void
/** The plugin's answer, by the server whose root context it is registered in. */
const rootSenders = new WeakMap<object, ErrorSender>()

/** Called by the plugin: `fastify` answers what `frameworkErrors` gets, when it is a server's root context. */
export function answerFrameworkErrors (fastify: FastifyInstance, send: ErrorSender): void {
  rootSenders.set(fastify, send)
}

/**
 * Without this option Fastify answers a URL it cannot route (a malformed percent-encoding, a
 * parameter longer than `maxParamLength`, an async route constraint that failed) itself, before it
 * makes a request: its own body, no request id, no X-Request-Id. With it, Fastify makes the request
 * (and its id) first and hands the error here. Fastify gives it a request of the server's root
 * context, whose error handler is the one the server was built with, so the plugin's is reached
 * through the plugin itself: when it is registered in the root context, it answers; otherwise
 * Fastify's default handler does, as for any error outside the plugin's scope.
 */
const frameworkErrors: FrameworkErrors = function frameworkErrors (error, request, reply) {
  const send = rootSenders.get(request.server)
  if (send !== undefined) send(error, request as FastifyRequest, reply as FastifyReply)
  else (reply as FastifyReply).send(error)
}

/**
 * Renames Fastify's `reqId` binding to `label`. A child logger factory rather than the
 * `requestIdLogLabel` option: that option is deprecated, and its replacement (a LogController
 * instance) fails an `instanceof` check whenever two copies of Fastify are installed, and replaces
 * the one Fastify builds from the app's own `disableRequestLogging`.
 *
 * Called for every request: Fastify's bindings are `{ reqId }` alone, so the common case builds
 * one small object (no rest/spread copies).
 */
function renamingChildLogger (label: string): ChildLoggerFactory {
  const factory: ChildLoggerFactory = function requestIdChildLogger (logger, bindings, opts) {
    const reqId = (bindings as { reqId?: unknown }).reqId
    if (reqId === undefined) return logger.child(bindings, opts)
    const renamed: Record<string, unknown> = { [label]: reqId }
    for (const key in bindings) {
      if (key !== 'reqId') renamed[key] = (bindings as Record<string, unknown>)[key]
    }
    return logger.child(renamed, opts)
  }
  renamingFactories.set(factory, label)
  return factory
}

/** requestIdOptions()' renaming factories, and the field name each writes the id under. */
const renamingFactories = new WeakMap<object, string>()

/** The field a child-logger factory of `requestIdOptions()` writes the id under; undefined for any other factory. */
export function renamedLabelOf (factory: object): string | undefined {
  return renamingFactories.get(factory)
}
/* c8 ignore next 3 -- Fastify 5 has its own default factory where fastifyDefaultChildLogger reads it */
const keepingChildLogger: ChildLoggerFactory = function keepingChildLogger (logger, bindings, opts) {
  return logger.child(bindings, opts)
}
const requestIdChildLogger = renamingChildLogger('request_id')
// A log field name pino writes as it is: no empty name, nothing to escape.
const logLabelPattern = /^[A-Za-z_$][\w$.-]{0,63}$/

/**
 * Fastify's own default factory, when the Fastify we resolve has one where we expect it (it has no
 * `exports` map, so its files can be loaded; a later version may move it: then `undefined`).
 */
export function fastifyDefaultChildLogger (): ChildLoggerFactory | undefined {
  const factory = safeGet(internalModule('fastify/lib/logger-factory.js'), 'defaultChildLoggerFactory')
  /* c8 ignore next -- Fastify 5 has it there; a Fastify that does not keeps our factory (correct, only slower) */
  return typeof factory === 'function' ? factory as ChildLoggerFactory : undefined
}

/**
 * With a logger whose `child()` returns the logger itself (Fastify's null logger when logging is
 * off), a binding is discarded whatever its name, so renaming it is pointless: gives `fastify`
 * Fastify's own default factory back, which Fastify recognises and skips child creation for (and
 * the check of every returned logger). Only when the factory is still `requestIdOptions()`'s, and
 * only for routes added after this (a route takes its factory when it is added).
 */
export function restoreDefaultChildLogger (fastify: FastifyInstance): void {
  if (!renamingFactories.has(fastify.childLoggerFactory)) return
  const log = fastify.log
  if (log.child({}) !== log) return
  const factory = fastifyDefaultChildLogger()
  /* c8 ignore next -- Fastify 5 has it; see fastifyDefaultChildLogger */
  if (factory === undefined) return
  fastify.setChildLoggerFactory(factory)
}

const ours = new WeakSet<object>()

/** Whether `genReqId` was made by `requestIdOptions()` (or `testServerOptions()`). */
export function isRequestIdGenerator (genReqId: unknown): boolean {
  return typeof genReqId === 'function' && ours.has(genReqId)
}

/**
 * Fastify server options for request ids: a valid incoming `X-Request-Id` is
 * kept, a missing, oversized or malformed one is replaced by `req_…`, and
 * every log line carries it as `request_id`.
 *
 * @example
 * const app = Fastify({ logger: true, ...requestIdOptions() })
 */
export function requestIdOptions (opts: RequestIdOptions = {}): RequestIdServerOptions {
  if (!isPlainObject(opts)) throw optionError('requestIdOptions()', '{ header?, generate?, traceparent?, logLabel? }', opts)
  checkKeys(opts, requestIdKeys, 'requestIdOptions().')
  const rawHeader = opts.header ?? 'x-request-id'
  if (typeof rawHeader !== 'string' || !headerName.test(rawHeader)) throw optionError('requestIdOptions().header', 'an HTTP header name', rawHeader)
  const header = rawHeader.toLowerCase()
  const generate = opts.generate ?? generateRequestId
  if (typeof generate !== 'function') throw optionError('requestIdOptions().generate', 'a function returning an id', generate)
  const traceparent = opts.traceparent ?? false
  if (typeof traceparent !== 'boolean') throw optionError('requestIdOptions().traceparent', 'a boolean', traceparent)
  const logLabel = opts.logLabel ?? 'request_id'
  if (typeof logLabel !== 'string' || !logLabelPattern.test(logLabel)) throw optionError('requestIdOptions().logLabel', 'a log field name such as \'request_id\' or \'reqId\'', logLabel)
  const childLoggerFactory = logLabel === 'reqId'
    /* c8 ignore next -- Fastify 5 has its own default factory where fastifyDefaultChildLogger reads it */
    ? fastifyDefaultChildLogger() ?? keepingChildLogger
    : logLabel === 'request_id' ? requestIdChildLogger : renamingChildLogger(logLabel)
  // Fastify would take the header as it is; genReqId validates it first. Our own ids need no
  // check; ids from a `generate` of the user's are checked and replaced when invalid.
  if (traceparent) {
    const genReqId = traceparentGenReqId(header, generate as () => string)
    ours.add(genReqId)
    return { requestIdHeader: false, childLoggerFactory, genReqId, frameworkErrors }
  }
  const genReqId = generate === generateRequestId
    ? function genReqId (req: IncomingMessage): string {
      const incoming = req.headers[header]
      return typeof incoming === 'string' && validRequestId.test(incoming) ? incoming : generateRequestId()
    }
    : function genReqId (req: IncomingMessage): string {
      const incoming = req.headers[header]
      if (typeof incoming === 'string' && validRequestId.test(incoming)) return incoming
      const id = generate()
      return typeof id === 'string' && validRequestId.test(id) ? id : generateRequestId()
    }
  ours.add(genReqId)
  return { requestIdHeader: false, childLoggerFactory, genReqId, frameworkErrors }
}

/** `genReqId` with `traceparent: true`: the client's own id, else the trace id of its `traceparent`, else a new one. */
function traceparentGenReqId (header: string, generate: () => string): (req: IncomingMessage) => string {
  return function genReqId (req: IncomingMessage): string {
    const incoming = req.headers[header]
    if (typeof incoming === 'string' && validRequestId.test(incoming)) return incoming
    const traceId = traceIdOf(req.headers.traceparent)
    if (traceId !== undefined) return traceId
    const id = generate()
    return generate === generateRequestId || (typeof id === 'string' && validRequestId.test(id)) ? id : generateRequestId()
  }
}

// W3C Trace Context, level 1: version-traceid-parentid-flags in lowercase hex. A version other than
// 00 may carry more fields after a '-' (read as 00, as the spec asks); ff is never valid.
const traceparentFields = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}(?:$|-)/
const zeroTraceId = '0'.repeat(32)
const zeroParentId = '0'.repeat(16)

/** The trace id of a valid `traceparent` header value; undefined for anything else. */
export function traceIdOf (value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined
  const fields = traceparentFields.exec(value)
  if (fields === null) return undefined
  const [, version, traceId, parentId] = fields as unknown as [string, string, string, string]
  if (version === 'ff' || (version === '00' && value.length !== 55) || traceId === zeroTraceId || parentId === zeroParentId) return undefined
  return traceId
}
