import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { FastifyServerOptions } from 'fastify'

/** What a client may send as its own request id; anything else is replaced. */
export const validRequestId = /^[A-Za-z0-9._:-]{1,128}$/

/** A fresh id: `req_` and 32 random hex digits. */
export function generateRequestId (): string {
  return 'req_' + randomUUID().replaceAll('-', '')
}

export interface RequestIdOptions {
  /** The request header a client's own id arrives in. Default `'x-request-id'`. */
  header?: string
  /** Makes a new id; set it in tests for stable snapshots. Default `req_` + random. */
  generate?: () => string
}

type ChildLoggerFactory = NonNullable<FastifyServerOptions['childLoggerFactory']>

export interface RequestIdServerOptions {
  requestIdHeader: false
  genReqId: (req: IncomingMessage) => string
  childLoggerFactory: ChildLoggerFactory
}

/**
 * Renames Fastify's `reqId` binding to `request_id`. A child logger factory
 * rather than the `requestIdLogLabel` option: that option is deprecated, and
 * its replacement (a LogController instance) fails an `instanceof` check
 * whenever two copies of Fastify are installed.
 */
const requestIdChildLogger: ChildLoggerFactory = function requestIdChildLogger (logger, bindings, opts) {
  if (!Object.hasOwn(bindings, 'reqId')) return logger.child(bindings, opts)
  const { reqId, ...rest } = bindings as { reqId: unknown }
  return logger.child({ request_id: reqId, ...rest }, opts)
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
  const header = (opts.header ?? 'x-request-id').toLowerCase()
  const generate = opts.generate ?? generateRequestId
  if (typeof generate !== 'function') {
    throw new TypeError('requestIdOptions() expects generate to be a function')
  }
  return {
    // Fastify would take the header as it is; genReqId validates it first.
    requestIdHeader: false,
    childLoggerFactory: requestIdChildLogger,
    genReqId (req: IncomingMessage): string {
      const incoming = req.headers[header]
      if (typeof incoming === 'string' && validRequestId.test(incoming)) return incoming
      const id = generate()
      return typeof id === 'string' && validRequestId.test(id) ? id : generateRequestId()
    }
  }
}
