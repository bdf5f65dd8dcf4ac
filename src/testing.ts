/**
 * `fastify-error-envelope/testing`: deterministic request ids and timestamps,
 * so that `t.matchSnapshot(res.json())` gives the same error body on every run.
 *
 * @example
 * const app = Fastify(testServerOptions())
 * await app.register(errorEnvelope, testPluginOptions())
 * t.matchSnapshot((await app.inject('/jobs/job-1')).json())
 *
 * @module
 */
import { requestIdOptions, validRequestId, type RequestIdServerOptions } from './request-id.js'

/** The placeholder `stableErrorBody` puts in place of every request id. */
export const REQUEST_ID_PLACEHOLDER = '<request_id>'
/** The placeholder `stableErrorBody` puts in place of every timestamp. */
export const TIMESTAMP_PLACEHOLDER = '<timestamp>'
// The clock `testPluginOptions()` fixes when given no timestamp (TestPluginOptions.timestamp documents it).
const defaultTimestamp = '2024-01-01T00:00:00Z'

export interface TestServerOptions {
  /** Every request that brings no `X-Request-Id` of its own gets this id. Default: `req_test_0001`, `req_test_0002`, … */
  requestId?: string
}

export interface TestPluginOptions {
  /** The instant of every `meta.timestamp`. Default `2024-01-01T00:00:00Z`. */
  timestamp?: string | Date
}

/**
 * Fastify server options (spread them into `Fastify({...})`) whose request ids
 * are predictable: the fixed `requestId`, or `req_test_0001`, `req_test_0002`, …
 * counted per call of `testServerOptions()`, so each new app starts at 0001.
 * An `X-Request-Id` the request brings itself is kept, as in production.
 *
 * @throws TypeError when `requestId` is not a valid request id (`[A-Za-z0-9._:-]{1,128}`),
 * which the server would otherwise replace by a random one.
 *
 * @example
 * const app = Fastify({ logger: false, ...testServerOptions() })            // req_test_0001, req_test_0002, …
 * const other = Fastify(testServerOptions({ requestId: 'req-abc123' }))    // always req-abc123
 */
export function testServerOptions (opts: TestServerOptions = {}): RequestIdServerOptions {
  const fixed = opts.requestId
  if (fixed !== undefined) {
    if (typeof fixed !== 'string' || !validRequestId.test(fixed)) {
      throw new TypeError(`testServerOptions() expects requestId to match ${String(validRequestId)}, instead got ${JSON.stringify(fixed)}`)
    }
    return requestIdOptions({ generate: () => fixed })
  }
  let count = 0
  return requestIdOptions({ generate: () => `req_test_${String(++count).padStart(4, '0')}` })
}

/**
 * Plugin options that fix the clock of `meta.timestamp` (the `now` option).
 * Spread your own options after them: `{ ...testPluginOptions(), preset: 'genai' }`.
 *
 * @throws TypeError when `timestamp` is not a valid date.
 *
 * @example
 * await app.register(errorEnvelope, { ...testPluginOptions(), preset: 'genai' })       // 2024-01-01T00:00:00Z
 * await app.register(errorEnvelope, testPluginOptions({ timestamp: '2025-06-30T12:00:00Z' }))
 */
export function testPluginOptions (opts: TestPluginOptions = {}): { now: () => Date } {
  const instant = new Date(opts.timestamp ?? defaultTimestamp)
  const ms = instant.getTime()
  if (Number.isNaN(ms)) {
    throw new TypeError(`testPluginOptions() expects timestamp to be a date, instead got ${JSON.stringify(opts.timestamp)}`)
  }
  return { now: () => new Date(ms) }
}

const requestIdKeys = new Set(['request_id', 'requestId'])

/**
 * A deep copy of a response body in which every `request_id` or `requestId`
 * member, at any depth and in arrays too, is `'<request_id>'` and every
 * `timestamp` member `'<timestamp>'`: for bodies of apps whose server and
 * plugin options you cannot set. Other values are copied as they are.
 *
 * @example
 * t.matchSnapshot(stableErrorBody(res.json()))
 * // { success: false, error: { … }, meta: { request_id: '<request_id>', timestamp: '<timestamp>' } }
 */
export function stableErrorBody<T> (body: T): T {
  return stabilize(body) as T
}

/**
 * The former name of stableErrorBody.
 *
 * @deprecated Use stableErrorBody: the same function.
 */
export const normalizeErrorBody = stableErrorBody

function stabilize (value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stabilize)
  if (!isPlainObject(value)) return value
  // fromEntries defines the members, so a `__proto__` key from JSON.parse stays a plain member.
  return Object.fromEntries(Object.entries(value).map(([key, member]) => [
    key,
    requestIdKeys.has(key) ? REQUEST_ID_PLACEHOLDER : key === 'timestamp' ? TIMESTAMP_PLACEHOLDER : stabilize(member)
  ]))
}

function isPlainObject (value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}
