// The scope's log controller. Fastify calls its server's log controller on every path that makes a
// request and its reply (a route, a 404, a framework error): `incomingRequest(request, reply)` first,
// before any hook and whether or not logging is on, and `requestCompleted` when the response has
// gone. The plugin gives its scope a controller of its own there, in place of hooks every route
// would run: it sets X-Request-Id, names the id's log field, and with `clientErrorLog: 'completion'`
// writes a 4xx's code on the completion line.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { fastifyDefaultChildLogger, renamedLabelOf } from './request-id.js'
import { fastifySymbol, internalModule, safeGet } from './safe.js'

/** Fastify's log controller (fastify/lib/log-controller.js), as far as the plugin uses it. */
interface LogController {
  requestIdLogLabel: string
  disableRequestLogging?: unknown
  isLogDisabled: (request: FastifyRequest) => boolean
  incomingRequest: (request: FastifyRequest, reply: FastifyReply, metadata?: unknown) => void
  requestCompleted: (error: unknown, request: FastifyRequest, reply: FastifyReply, metadata?: unknown) => void
}

// A Fastify that keeps it elsewhere finds no controller under it, and gets the hooks.
const kLogController = fastifySymbol('kLogController')
const fastifyRequestCompleted = safeGet(safeGet(safeGet(internalModule('fastify/lib/log-controller.js'), 'LogController'), 'prototype'), 'requestCompleted')

// The code a request's completion line is to carry, on the request itself: a WeakMap's set cost a
// microsecond per 4xx (an ephemeron per entry), a property added to the few requests that answer a 4xx does not.
const completionCode = Symbol('fastify-error-envelope.completionCode')
interface CarriesCode { [completionCode]?: string }

/** Where a 4xx's code goes with `clientErrorLog: 'completion'`: true when its completion line will carry it. */
export type CompletionCarrier = (request: FastifyRequest, code: string) => boolean

export interface ScopeLogOptions {
  /** The response header of the request id. */
  header: string
  /** `clientErrorLog: 'completion'`. */
  completion: boolean
}

/**
 * Sets the request id header on every response of `fastify`'s scope and, with `completion`,
 * returns how a 4xx's code gets on its completion line. With `requestIdOptions()`'s renaming
 * child-logger factory, the controller names the id's log field (Fastify's own `requestIdLogLabel`,
 * read per request) and Fastify gets its own factory back, which it calls without validating the
 * child it returns. An app that named the field itself (a LogController of its own, the deprecated
 * `requestIdLogLabel`) keeps its name. A Fastify whose internals are not where we expect them
 * (another copy, a later version) gets an `onRequest` hook and a pino binding instead: the same
 * answers and lines, a little slower.
 */
export function scopeLogController (fastify: FastifyInstance, { header, completion }: ScopeLogOptions): CompletionCarrier | undefined {
  const base = safeGet(fastify, kLogController) as LogController | undefined
  if (typeof safeGet(base, 'incomingRequest') !== 'function' || typeof safeGet(base, 'requestIdLogLabel') !== 'string') {
    fastify.addHook('onRequest', function setRequestIdHeader (request, reply, next) {
      reply.header(header, request.id)
      next()
    })
    return completion ? bindingCarrier(fastify) : undefined
  }
  const controller = base as LogController
  if (completion) refuseSilentCompletion(controller.disableRequestLogging)
  // Every method runs on the controller it belongs to, so that one of the app's own (a LogController
  // subclass) keeps its state on itself; the scope's controller only adds to what it does.
  const scoped = Object.create(controller) as LogController & Record<string, unknown>
  for (const [name, method] of methodsOf(controller)) scoped[name] = method.bind(controller)
  scoped.incomingRequest = function incomingRequest (request, reply, metadata) {
    reply.header(header, request.id)
    controller.incomingRequest(request, reply, metadata)
  }
  const label = renamedLabelOf(fastify.childLoggerFactory)
  const factory = label === undefined ? undefined : fastifyDefaultChildLogger()
  if (label !== undefined && factory !== undefined && controller.requestIdLogLabel === 'reqId') {
    scoped.requestIdLogLabel = label
    fastify.setChildLoggerFactory(factory)
  }
  ;(fastify as unknown as Record<symbol, unknown>)[kLogController] = scoped
  if (!completion) return undefined
  // Fastify's own completion line, written with the code: no binding to add (pino's setBindings
  // rebuilds the child's bindings and drops its caches), no line of our own. A completion line of
  // the app's own controller gets the code as a binding, as it would get any other.
  if (controller.requestCompleted !== fastifyRequestCompleted) return bindingCarrier(fastify, request => !controller.isLogDisabled(request))
  scoped.requestCompleted = function requestCompleted (error, request, reply, metadata) {
    const code = (request as CarriesCode)[completionCode]
    if (code === undefined) return controller.requestCompleted(error, request, reply, metadata)
    // The lines of fastify/lib/log-controller.js, with the code.
    if (error !== null && error !== undefined) reply.log.error({ res: reply, err: error, responseTime: reply.elapsedTime, error_code: code }, 'request errored')
    else reply.log.info({ res: reply, responseTime: reply.elapsedTime, error_code: code }, 'request completed')
  }
  return function carryOnCompletionLine (request, code) {
    if (controller.isLogDisabled(request)) return false
    ;(request as CarriesCode)[completionCode] = code
    return true
  }
}

/**
 * The code as a pino binding of the request's logger, which its completion line then carries:
 * for a controller we do not know, or a Fastify whose controller is elsewhere.
 */
function bindingCarrier (fastify: FastifyInstance, written = completionWritten(fastify)): CompletionCarrier {
  return function bindCode (request, code) {
    const log = request.log as unknown as { setBindings?: unknown }
    if (typeof log.setBindings !== 'function' || !written(request)) return false
    ;(log.setBindings as (bindings: object) => void).call(log, { error_code: code })
    return true
  }
}

/** Whether Fastify writes a request's completion line, from its `disableRequestLogging` option. */
function completionWritten (fastify: FastifyInstance): (request: FastifyRequest) => boolean {
  const disabled: unknown = (fastify.initialConfig as { disableRequestLogging?: unknown }).disableRequestLogging
  refuseSilentCompletion(disabled)
  if (typeof disabled === 'function') return request => disabled(request) !== true
  return () => true
}

/** An app that turned request logging off has no completion line to carry error_code. */
function refuseSilentCompletion (disabled: unknown): void {
  if (disabled !== true) return
  throw new TypeError("fastify-error-envelope: option 'clientErrorLog' is 'completion', but Fastify's disableRequestLogging is on: " +
    "there is no 'request completed' line to carry error_code. Use 'line'.")
}

/** The methods of an object, its own and inherited (the nearest of a name), as Fastify may call them on a log controller. */
function methodsOf (object: object): Map<string, (...args: unknown[]) => unknown> {
  const methods = new Map<string, (...args: unknown[]) => unknown>()
  for (let proto: object | null = object; proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const value: unknown = Object.getOwnPropertyDescriptor(proto, name)?.value
      if (name !== 'constructor' && typeof value === 'function' && !methods.has(name)) methods.set(name, value as (...args: unknown[]) => unknown)
    }
  }
  return methods
}
