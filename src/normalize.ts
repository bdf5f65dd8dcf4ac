import type { CatalogEntry } from './catalog.js'
import { isErrorStatus } from './catalog.js'
import { isApiError, renderTemplate, type ApiError } from './errors.js'
import type { NormalizedOptions, ResolvedCondition } from './options.js'
import type { Condition } from './presets/index.js'
import type { ErrorRecord, Violation } from './record.js'
import { retryAfterSeconds, safeGet, safeHeaders, safeString, toPlainJson } from './safe.js'
import { violationsOf } from './validation.js'

const kCondition = Symbol.for('fastify-error-envelope.condition')

/** An error the plugin raises for one of the preset's conditions (a limit hit, maintenance). */
export class ConditionError extends Error {
  readonly condition: Condition
  readonly retryAfter: number | undefined
  readonly [kCondition] = true
  constructor (condition: Condition, retryAfter?: number) {
    // An expected answer (a limit hit, maintenance): its stack would never be read, and capturing it is most of its cost.
    const limit = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    try {
      super(condition)
    } finally {
      Error.stackTraceLimit = limit
    }
    this.name = 'ConditionError'
    this.condition = condition
    this.retryAfter = retryAfter
  }
}

function conditionOf (thrown: unknown): ConditionError | undefined {
  return safeGet(thrown, kCondition) === true ? thrown as ConditionError : undefined
}

/** Where a request is, as far as an error record needs it. */
export interface RequestFacts {
  requestId: string
  instance: string
  method: string
  /** A `Retry-After` already on the reply (set by @fastify/rate-limit or @fastify/under-pressure). */
  retryAfterHeader?: unknown
}

/** A record and what goes around it: headers to send, and how to log it. */
export interface NormalizedError {
  record: ErrorRecord
  headers: Array<[string, string]>
  /** Why this is a programming error, when it is one (logged at error level). */
  bug?: string
}

const frameworkConditions: Record<string, Condition> = {
  FST_ERR_CTP_EMPTY_JSON_BODY: 'emptyBody',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupportedMediaType',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payloadTooLarge',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'malformedBody',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformedBody',
  FST_ERR_NOT_FOUND: 'notFound',
  // @fastify/under-pressure's rejection when the process is over its limits.
  FST_UNDER_PRESSURE: 'overloaded',
  // Raised by our clientErrorHandler for HTTP that Node could not parse.
  FEE_BAD_HTTP: 'badHttp'
}

// fetch/undici and socket failures of a call to another service, by the code on the error or its cause.
const upstreamCodes: Record<string, Condition> = {
  ECONNREFUSED: 'upstream',
  ECONNRESET: 'upstream',
  EPIPE: 'upstream',
  ENOTFOUND: 'upstream',
  EAI_AGAIN: 'upstream',
  EHOSTUNREACH: 'upstream',
  ENETUNREACH: 'upstream',
  UND_ERR_SOCKET: 'upstream',
  UND_ERR_CLOSED: 'upstream',
  UND_ERR_RESPONSE_STATUS_CODE: 'upstream',
  ETIMEDOUT: 'upstreamTimeout',
  UND_ERR_CONNECT_TIMEOUT: 'upstreamTimeout',
  UND_ERR_HEADERS_TIMEOUT: 'upstreamTimeout',
  UND_ERR_BODY_TIMEOUT: 'upstreamTimeout'
}

function upstreamCondition (thrown: object): Condition | undefined {
  // AbortSignal.timeout() rejects fetch with a TimeoutError DOMException.
  if (safeGet(thrown, 'name') === 'TimeoutError') return 'upstreamTimeout'
  for (const source of [thrown, safeGet(thrown, 'cause')]) {
    const code = safeGet(source, 'code')
    if (typeof code === 'string' && Object.hasOwn(upstreamCodes, code)) return upstreamCodes[code]
  }
  return undefined
}

const statusConditions: Record<number, Condition> = {
  404: 'notFound',
  413: 'payloadTooLarge',
  415: 'unsupportedMediaType',
  429: 'rateLimited',
  502: 'upstream',
  503: 'overloaded',
  504: 'upstreamTimeout'
}

// Formatting a date is most of what building a record costs; within one second the text is the same.
let cachedSecond = -1
let cachedTimestamp = ''

function timestampOf (now: () => Date): string {
  const given = now()
  // A clock that gives no valid date must not cost the client its answer: real time stands in.
  const ms = given instanceof Date && !Number.isNaN(given.getTime()) ? given.getTime() : Date.now()
  const second = Math.floor(ms / 1000)
  if (second !== cachedSecond) {
    cachedSecond = second
    cachedTimestamp = new Date(second * 1000).toISOString().replace('.000Z', 'Z')
  }
  return cachedTimestamp
}

function baseRecord (target: { code: string, status: number, entry: CatalogEntry }, message: string, facts: RequestFacts, opts: NormalizedOptions): ErrorRecord {
  const record: ErrorRecord = {
    status: target.status,
    code: target.code,
    message,
    retryable: target.entry.retryable ?? false,
    requestId: facts.requestId,
    timestamp: timestampOf(opts.now),
    instance: facts.instance
  }
  if (target.entry.category !== undefined) record.category = target.entry.category
  if (target.entry.type !== undefined) record.type = target.entry.type
  if (target.entry.title !== undefined) record.title = target.entry.title
  if (opts.docs !== undefined && opts.catalog.has(target.code)) record.docUrl = `${opts.docs.links}/${target.code}`
  return record
}

/** A limit's message: its retry message with the wait filled in, when it has one and the wait is known. */
export function limitMessage (entry: CatalogEntry, retryAfter: number | undefined): string {
  return retryAfter !== undefined && entry.retryMessage !== undefined
    ? renderTemplate(entry.retryMessage, { retry_after: retryAfter })
    : entry.message
}

/** The record of a condition the plugin raises itself (limits, maintenance). */
function fromCondition (condition: Condition, retryAfter: number | undefined, facts: RequestFacts, opts: NormalizedOptions): NormalizedError {
  const target = opts.conditions[condition]
  const record = baseRecord(target, limitMessage(target.entry, retryAfter), facts, opts)
  const headers: Array<[string, string]> = []
  if (retryAfter !== undefined) {
    record.retryAfter = retryAfter
    headers.push(['retry-after', String(retryAfter)])
  }
  return { record, headers }
}

/** The message a client may see of a 5xx: the catalog's, with no unfilled placeholder. */
function safeMessage (entry: CatalogEntry, fallback: CatalogEntry): string {
  return entry.message.includes('{') ? fallback.message : entry.message
}

/** The preset's code for a status that no condition names. */
function targetForStatus (status: number, opts: NormalizedOptions): ResolvedCondition {
  const known = opts.statusCodes.get(status)
  if (known !== undefined) return known
  const condition = statusConditions[status] ?? (status >= 500 ? 'internal' : 'clientError')
  return { ...opts.conditions[condition], status }
}

function fromApiError (err: ApiError, facts: RequestFacts, opts: NormalizedOptions): NormalizedError {
  const headers: Array<[string, string]> = []
  // The active catalog decides status and metadata (so `errors` can override a preset's code);
  // a status given to this one error wins over both.
  const entry = opts.catalog.get(err.code) ?? err.entry
  const explicitStatus = isErrorStatus(err.status) && (err.entry === undefined || err.status !== err.entry.status)
  const status = explicitStatus ? err.status : entry?.status
  if (entry === undefined && status === undefined) {
    const internal = opts.conditions.internal
    return {
      record: baseRecord(internal, internal.entry.message, facts, opts),
      headers,
      bug: `ApiError code '${safeString(err.code, 128) ?? ''}' is not in the active catalog and has no status`
    }
  }
  const resolvedEntry: CatalogEntry = entry ?? { status: status as number, message: err.message }
  const target = { code: err.code, status: status as number, entry: resolvedEntry }
  const retryAfter = retryAfterSeconds(err.retryAfter, Date.now())
  const exposed = target.status < 500 || err.expose === true || opts.exposeInternalErrors
  let message: string
  if (!exposed) {
    // A code no catalog knows has no documented message: its own may hold anything.
    message = safeMessage(entry ?? opts.conditions.internal.entry, opts.conditions.internal.entry)
  } else if (err.defaultMessage && retryAfter !== undefined && resolvedEntry.retryMessage !== undefined) {
    message = renderTemplate(resolvedEntry.retryMessage, { retry_after: retryAfter })
  } else if (err.defaultMessage && err.params === undefined) {
    message = resolvedEntry.message
  } else {
    message = safeString(err.message) ?? resolvedEntry.message
  }
  const record = baseRecord(target, message, facts, opts)
  if (exposed && err.details !== undefined) {
    const details = toPlainJson(err.details, opts.redact)
    if (typeof details === 'object' && details !== null && !Array.isArray(details)) record.details = details as Record<string, unknown>
  }
  const field = safeString(err.field, 256)
  if (field !== undefined) record.field = field
  if (retryAfter !== undefined) {
    record.retryAfter = retryAfter
    headers.push(['retry-after', String(retryAfter)])
  }
  safeHeaders(err.headers, headers)
  return { record, headers }
}

function fromValidation (err: object, facts: RequestFacts, opts: NormalizedOptions): NormalizedError {
  const location = safeString(safeGet(err, 'validationContext'), 64)
  const items = safeGet(err, 'validation') ?? safeGet(err, 'issues')
  const violations: Violation[] = violationsOf(items, location, {
    conditions: opts.conditions,
    fieldRules: opts.fieldRules,
    hasCode: code => opts.catalog.has(code)
  })
  const first = violations[0] as Violation
  const entry = opts.catalog.get(first.code) as CatalogEntry
  const message = opts.validationMessage === 'catalog' ? entry.message : first.message
  const record = baseRecord({ code: first.code, status: entry.status, entry }, message, facts, opts)
  if (first.field !== undefined) record.field = first.field
  if (opts.validationMessage === 'catalog') record.issue = first.message
  record.violations = violations
  return { record, headers: [] }
}

function statusOf (thrown: object): unknown {
  const output = safeGet(thrown, 'output')
  if (safeGet(thrown, 'isBoom') === true && output !== undefined) return safeGet(output, 'statusCode')
  return safeGet(thrown, 'statusCode') ?? safeGet(thrown, 'status')
}

function fromForeign (thrown: unknown, facts: RequestFacts, opts: NormalizedOptions): NormalizedError {
  const headers: Array<[string, string]> = []
  const status = statusOf(thrown as object)
  if (!isErrorStatus(status)) {
    const upstream = upstreamCondition(thrown as object)
    if (upstream !== undefined) {
      const target = opts.conditions[upstream]
      return { record: baseRecord(target, safeMessage(target.entry, opts.conditions.internal.entry), facts, opts), headers }
    }
    const internal = opts.conditions.internal
    const message = opts.exposeInternalErrors ? safeString(safeGet(thrown, 'message')) ?? internal.entry.message : internal.entry.message
    return { record: baseRecord(internal, message, facts, opts), headers }
  }
  const code = safeGet(thrown, 'code')
  const condition = typeof code === 'string' && Object.hasOwn(frameworkConditions, code)
    ? frameworkConditions[code]
    : safeGet(thrown, 'name') === 'SyntaxError' && status === 400 ? 'malformedBody' : undefined
  let target: ResolvedCondition
  if (condition !== undefined) {
    target = opts.conditions[condition]
  } else if (typeof code === 'string' && opts.catalog.has(code)) {
    const entry = opts.catalog.get(code) as CatalogEntry
    target = { code, status, entry }
  } else {
    target = targetForStatus(status, opts)
  }
  const output = safeGet(thrown, 'output')
  safeHeaders(safeGet(thrown, 'headers') ?? safeGet(output, 'headers'), headers)
  const retryAfter = retryAfterSeconds(headers.find(([name]) => name === 'retry-after')?.[1] ?? facts.retryAfterHeader, Date.now())
  const exposed = status < 500 || opts.exposeInternalErrors
  let message: string
  if (!exposed) {
    message = safeMessage(target.entry, opts.conditions.internal.entry)
  } else if (target.code === opts.conditions.rateLimited.code || target.code === opts.conditions.quotaExceeded.code) {
    // Another limiter's 429 speaks the preset's words, as our own limiter does.
    message = limitMessage(target.entry, retryAfter)
  } else if (condition !== undefined && opts.validationMessage === 'catalog') {
    message = target.entry.message
  } else {
    message = safeString(safeGet(thrown, 'message')) ?? target.entry.message
  }
  const record = baseRecord(target, message, facts, opts)
  if (retryAfter !== undefined) record.retryAfter = retryAfter
  return { record, headers }
}

/**
 * Turns anything thrown into one error record of the active preset: typed
 * ApiErrors by their catalog, validation failures per keyword, framework
 * errors by their code, other errors by their status, and the rest as 500.
 */
export function normalizeError (thrown: unknown, facts: RequestFacts, opts: NormalizedOptions): NormalizedError {
  if (isApiError(thrown)) return fromApiError(thrown, facts, opts)
  const raised = conditionOf(thrown)
  if (raised !== undefined) return fromCondition(raised.condition, raised.retryAfter, facts, opts)
  if (typeof thrown !== 'object' || thrown === null) {
    const internal = opts.conditions.internal
    return { record: baseRecord(internal, internal.entry.message, facts, opts), headers: [] }
  }
  if (safeGet(thrown, 'validationContext') !== undefined || Array.isArray(safeGet(thrown, 'validation'))) {
    return fromValidation(thrown, facts, opts)
  }
  return fromForeign(thrown, facts, opts)
}

/** What an unmatched route throws, so that it takes the same path as every other error. */
export function notFoundError (facts: RequestFacts): { statusCode: 404, code: 'FST_ERR_NOT_FOUND', message: string } {
  const path = facts.instance.length > 256 ? facts.instance.slice(0, 256) + '…' : facts.instance
  return { statusCode: 404, code: 'FST_ERR_NOT_FOUND', message: `Route ${facts.method} ${path} not found` }
}

export { timestampOf }
