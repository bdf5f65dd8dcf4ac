import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import fastify, { type FastifyServerOptions } from 'fastify'

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
  /** Passed on to Fastify, whose log controller the label needs (Fastify ≥ 5.12). */
  disableRequestLogging?: FastifyServerOptions['disableRequestLogging']
}

export interface RequestIdServerOptions {
  requestIdHeader: false
  genReqId: (req: IncomingMessage) => string
  logController?: FastifyServerOptions['logController']
  requestIdLogLabel?: 'request_id'
  disableRequestLogging?: FastifyServerOptions['disableRequestLogging']
}

type LogControllerClass = new (opts: { requestIdLogLabel: string, disableRequestLogging?: unknown }) => NonNullable<FastifyServerOptions['logController']>
// Fastify 5.12 moved the log label into a LogController and deprecated the top-level option.
const LogController = (fastify as unknown as { LogController?: LogControllerClass }).LogController

function logOptions (disableRequestLogging: RequestIdOptions['disableRequestLogging']): Pick<RequestIdServerOptions, 'logController' | 'requestIdLogLabel' | 'disableRequestLogging'> {
  if (LogController !== undefined) {
    return { logController: new LogController({ requestIdLogLabel: 'request_id', disableRequestLogging }) }
  }
  /* c8 ignore next 2 -- only on Fastify < 5.12 */
  return disableRequestLogging === undefined ? { requestIdLogLabel: 'request_id' } : { requestIdLogLabel: 'request_id', disableRequestLogging }
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
    ...logOptions(opts.disableRequestLogging),
    genReqId (req: IncomingMessage): string {
      const incoming = req.headers[header]
      if (typeof incoming === 'string' && validRequestId.test(incoming)) return incoming
      const id = generate()
      return typeof id === 'string' && validRequestId.test(id) ? id : generateRequestId()
    }
  }
}
