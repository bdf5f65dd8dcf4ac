import type { CatalogEntry } from './catalog.js'
import { isErrorStatus } from './catalog.js'
import { apiErrorInternals, isApiError, renderTemplate, type ApiError } from './errors.js'
import type { ResolvedCondition, ResolvedPreset } from './presets/resolve.js'
import type { Condition } from './presets/index.js'
import { errorRecord, type ErrorRecord, type RecordSettings, type RequestFacts, type Violation } from './record.js'
import { retryAfterSeconds, safeGet, safeHeaders, safeString, toPlainJson } from './safe.js'
import { violationsOf } from './validation.js'
import { conditionOf } from './condition-error.js'

/**
 * What turning a thrown value into a record reads: the resolved preset and the options
 * that shape a record. The resolved options are one; the docs build one from defaults.
 */
export type AnswerContext = Pick<ResolvedPreset, 'catalog' | 'conditions' | 'statusCodes' | 'fieldRules' | 'validationMessage'> &
  RecordSettings & { exposeInternalErrors: boolean }

/** A record and what goes around it: headers to send, and how to log it. */
export interface ErrorAnswer {
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

// What was wrong with the request itself: the framework's message says it, and a client can act on it.
const requestConditions = new Set<Condition>(['malformedBody', 'emptyBody', 'unsupportedMediaType', 'payloadTooLarge', 'badHttp'])

// Socket failures of a call to another service, by the code on the error or its cause.
const socketCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'])
// axios says ECONNABORTED for its own timeout; got and Node say ETIMEDOUT / ESOCKETTIMEDOUT.
const timeoutCodes = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ECONNABORTED', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])
// got's errors all extend RequestError and carry the call's `options`.
const gotErrorNames = new Set(['RequestError', 'HTTPError', 'MaxRedirectsError', 'ReadError', 'UploadError', 'CacheError', 'ParseError', 'RetryError', 'TimeoutError', 'CancelError'])

/** The names of the classes an object was made by, nearest first (a few levels; Proxies may throw). */
function classNames (value: object): string[] {
  const names: string[] = []
  try {
    for (let proto = Object.getPrototypeOf(value); proto !== null && names.length < 8; proto = Object.getPrototypeOf(proto)) {
      const name = safeGet(safeGet(proto, 'constructor'), 'name')
      if (typeof name === 'string') names.push(name)
    }
  } catch {}
  return names
}

function isObject (value: unknown): boolean {
  return typeof value === 'object' && value !== null
}

function isFetchHeaders (value: unknown): boolean {
  try {
    return isObject(value) && Object.prototype.toString.call(value) === '[object Headers]'
  } catch {
    return false
  }
}

function codesOf (thrown: object): string[] {
  const codes: string[] = []
  for (const source of [thrown, safeGet(thrown, 'cause')]) {
    const code = safeGet(source, 'code')
    if (typeof code === 'string') codes.push(code)
  }
  return codes
}

/**
 * The upstream condition of an error of an outbound call (docs/safety.md, "Which errors are
 * trusted"): it describes another service's answer, never one of ours.
 */
function outboundCondition (thrown: object): Condition | undefined {
  const codes = codesOf(thrown)
  const name = safeGet(thrown, 'name')
  const classes = classNames(thrown)
  const outbound = safeGet(thrown, 'isAxiosError') === true ||
    // The Stainless SDKs (openai, anthropic, …): every error of a call is an APIError.
    classes.includes('APIError') ||
    isObject(safeGet(thrown, 'response')) || isObject(safeGet(thrown, 'request')) ||
    isFetchHeaders(safeGet(thrown, 'headers')) ||
    (typeof name === 'string' && gotErrorNames.has(name) && isObject(safeGet(thrown, 'options'))) ||
    // AbortSignal.timeout() rejects fetch with a TimeoutError DOMException.
    name === 'TimeoutError' ||
    codes.some(code => socketCodes.has(code) || timeoutCodes.has(code) || code.startsWith('UND_ERR_'))
  if (!outbound) return undefined
  const timeout = name === 'TimeoutError' || classes.includes('APIConnectionTimeoutError') || codes.some(code => timeoutCodes.has(code))
  return timeout ? 'upstreamTimeout' : 'upstream'
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

/** A limit's message: its retry message with the wait filled in, when it has one and the wait is known. */
export function limitMessage (entry: CatalogEntry, retryAfter: number | undefined): string {
  return retryAfter !== undefined && entry.retryMessage !== undefined
    ? renderTemplate(entry.retryMessage, { retry_after: retryAfter })
    : entry.message
}

/** The record of a condition the plugin raises itself (limits, maintenance). */
function fromCondition (condition: Condition, retryAfter: number | undefined, facts: RequestFacts, opts: AnswerContext): ErrorAnswer {
  const target = opts.conditions[condition]
  const wait = retryAfterSeconds(retryAfter, Date.now())
  const record = errorRecord(target, limitMessage(target.entry, wait), facts, opts)
  if (wait !== undefined) record.retryAfter = wait
  return { record, headers: [] }
}

/** The message a client may see of a 5xx: the catalog's, with no unfilled placeholder. */
function safeMessage (entry: CatalogEntry, fallback: CatalogEntry): string {
  return entry.message.includes('{') ? fallback.message : entry.message
}

/** The preset's code for a status that no condition names. */
function targetForStatus (status: number, opts: AnswerContext): ResolvedCondition {
  const known = opts.statusCodes.get(status)
  if (known !== undefined) return known
  const condition = statusConditions[status] ?? (status >= 500 ? 'internal' : 'clientError')
  return { ...opts.conditions[condition], status }
}

function fromApiError (err: ApiError, facts: RequestFacts, opts: AnswerContext): ErrorAnswer {
  const headers: Array<[string, string]> = []
  const code: unknown = err.code
  if (typeof code !== 'string' || code.trim() === '') {
    // No code to answer with: the status's generic code when one was given, else the internal error.
    const target = isErrorStatus(err.status) ? targetForStatus(err.status, opts) : opts.conditions.internal
    return {
      record: errorRecord(target, safeMessage(target.entry, opts.conditions.internal.entry), facts, opts),
      headers,
      bug: typeof code === 'string' ? 'ApiError code is blank' : `ApiError code is not a string but ${code === null ? 'null' : typeof code}`
    }
  }
  // The active catalog decides status and metadata (so `errors` can override a preset's code);
  // a status given to this one error wins over both.
  const made = apiErrorInternals(err)
  const entry = opts.catalog.get(code) ?? made.entry
  const explicitStatus = isErrorStatus(err.status) && (made.entry === undefined || err.status !== made.entry.status)
  const status = explicitStatus ? err.status : entry?.status
  if (entry === undefined && status === undefined) {
    const internal = opts.conditions.internal
    return {
      record: errorRecord(internal, internal.entry.message, facts, opts),
      headers,
      /* c8 ignore next -- `code` is a non-blank string here, so safeString returns it (cut): the `?? ''` only keeps the type a string */
      bug: `ApiError code '${safeString(code, 128) ?? ''}' is not in the active catalog and has no status`
    }
  }
  const resolvedEntry: CatalogEntry = entry ?? { status: status as number, message: err.message }
  const target = { code, status: status as number, entry: resolvedEntry }
  const headerWait = safeHeaders(err.headers, headers, 'api')
  // `retryAfter` wins over a Retry-After in `headers`: it is the typed way to say it.
  const retryAfter = retryAfterSeconds(err.retryAfter, Date.now()) ?? retryAfterSeconds(headerWait, Date.now())
  const exposed = target.status < 500 || err.expose === true || opts.exposeInternalErrors
  let message: string
  if (!exposed) {
    // A code no catalog knows has no documented message: its own may hold anything.
    message = safeMessage(entry ?? opts.conditions.internal.entry, opts.conditions.internal.entry)
  } else if (made.defaultMessage && retryAfter !== undefined && resolvedEntry.retryMessage !== undefined) {
    message = renderTemplate(resolvedEntry.retryMessage, { retry_after: retryAfter })
  } else if (made.defaultMessage && made.params === undefined) {
    message = resolvedEntry.message
  } else {
    message = safeString(err.message) ?? resolvedEntry.message
  }
  const record = errorRecord(target, message, facts, opts)
  if (exposed && err.details !== undefined) {
    const details = toPlainJson(err.details, opts.redact)
    if (typeof details === 'object' && details !== null && !Array.isArray(details)) record.details = details as Record<string, unknown>
  }
  const field = safeString(err.field, 256)
  if (field !== undefined) record.field = field
  if (retryAfter !== undefined) record.retryAfter = retryAfter
  return { record, headers }
}

function fromValidation (err: object, facts: RequestFacts, opts: AnswerContext): ErrorAnswer {
  const location = safeString(safeGet(err, 'validationContext'), 64)
  const items = safeGet(err, 'validation') ?? safeGet(err, 'issues')
  // A custom validator may return an Error instead of a list: Fastify passes it on as it is, and its
  // message is the validator's reason, written for the client as a Zod issue's message is.
  const reason = items === undefined ? safeString(safeGet(err, 'message'), 512) : undefined
  const violations: Violation[] = violationsOf(items, location, {
    conditions: opts.conditions,
    fieldRules: opts.fieldRules,
    hasCode: code => opts.catalog.has(code)
  }, reason)
  const first = violations[0] as Violation
  const entry = opts.catalog.get(first.code) as CatalogEntry
  const message = opts.validationMessage === 'catalog' ? entry.message : first.message
  const record = errorRecord({ code: first.code, status: entry.status, entry }, message, facts, opts)
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

const kFastifyError = Symbol.for('fastify-error-generic')

function isError (value: object): boolean {
  try {
    return value instanceof Error
  } catch {
    return false
  }
}

/**
 * How an error made to be an answer is marked (docs/safety.md, "Which errors are trusted"):
 * `@fastify/error`'s class mark or a Fastify (`FST_`) or plugin (`FEE_`) code; Boom's `isBoom`
 * with its `output`; http-errors' (and so `@fastify/sensible`'s) `expose` with `status === statusCode`.
 */
function trustOf (thrown: object): 'fastify' | 'boom' | 'http-errors' | undefined {
  const code = safeGet(thrown, 'code')
  if (safeGet(thrown, kFastifyError) === true || (typeof code === 'string' && /^(?:FST|FEE)_/.test(code))) return 'fastify'
  if (!isError(thrown)) return undefined
  if (safeGet(thrown, 'isBoom') === true && isObject(safeGet(thrown, 'output'))) return 'boom'
  const statusCode = safeGet(thrown, 'statusCode')
  if (typeof safeGet(thrown, 'expose') === 'boolean' && typeof statusCode === 'number' && safeGet(thrown, 'status') === statusCode) return 'http-errors'
  return undefined
}

function fromForeign (thrown: object, facts: RequestFacts, opts: AnswerContext): ErrorAnswer {
  const headers: Array<[string, string]> = []
  const internal = opts.conditions.internal
  const upstream = outboundCondition(thrown)
  if (upstream !== undefined) {
    // Another service's answer: its status, message and headers are its own, never ours.
    const target = opts.conditions[upstream]
    return { record: errorRecord(target, safeMessage(target.entry, internal.entry), facts, opts), headers }
  }
  const trust = trustOf(thrown)
  const own = statusOf(thrown)
  // As Fastify does: the error's own error status, else the reply's.
  const status = isErrorStatus(own) ? own : isErrorStatus(facts.replyStatus) ? facts.replyStatus : undefined
  // An untrusted 5xx says nothing a client may act on: it is the internal error.
  if (status === undefined || (trust === undefined && status >= 500)) {
    const message = opts.exposeInternalErrors ? safeString(safeGet(thrown, 'message')) ?? internal.entry.message : internal.entry.message
    return { record: errorRecord(internal, message, facts, opts), headers }
  }
  const code = safeGet(thrown, 'code')
  const condition = typeof code === 'string' && Object.hasOwn(frameworkConditions, code)
    ? frameworkConditions[code]
    : safeGet(thrown, 'name') === 'SyntaxError' && status === 400 ? 'malformedBody' : undefined
  let target: ResolvedCondition
  if (condition !== undefined) {
    target = opts.conditions[condition]
  } else if (trust !== undefined && typeof code === 'string' && opts.catalog.has(code)) {
    const entry = opts.catalog.get(code) as CatalogEntry
    target = { code, status, entry }
  } else {
    target = targetForStatus(status, opts)
  }
  const headerWait = safeHeaders(safeGet(thrown, 'headers') ?? safeGet(safeGet(thrown, 'output'), 'headers'), headers, 'foreign')
  const retryAfter = retryAfterSeconds(headerWait, Date.now()) ?? retryAfterSeconds(facts.retryAfterHeader, Date.now())
  const exposed = status < 500 || opts.exposeInternalErrors
  // http-errors says itself whether its message is for the client.
  const ownMessage = trust !== undefined && (trust !== 'http-errors' || safeGet(thrown, 'expose') === true)
  let message: string
  if (!exposed) {
    message = safeMessage(target.entry, internal.entry)
  } else if (target.code === opts.conditions.rateLimited.code || target.code === opts.conditions.quotaExceeded.code) {
    // Another limiter's 429 speaks the preset's words, as our own limiter does.
    message = limitMessage(target.entry, retryAfter)
  } else if (condition !== undefined && opts.validationMessage === 'catalog') {
    message = target.entry.message
  } else if (ownMessage || status >= 500) {
    message = safeString(safeGet(thrown, 'message')) ?? target.entry.message
  } else {
    message = safeMessage(target.entry, opts.conditions.clientError.entry)
  }
  const record = errorRecord(target, message, facts, opts)
  if (retryAfter !== undefined) record.retryAfter = retryAfter
  // A preset that answers with its catalog's message says what was wrong with the request where a
  // validation failure says it (genai's `details.issue`): "Body is not valid JSON …".
  if (exposed && condition !== undefined && requestConditions.has(condition) && opts.validationMessage === 'catalog') {
    const issue = safeString(safeGet(thrown, 'message'))
    if (issue !== undefined) record.issue = issue
  }
  return { record, headers }
}

/** The wait of the record and its header are one number (docs/safety.md, "Retry-After"): a reply's own Retry-After counts last. */
function agreeOnWait (answer: ErrorAnswer, facts: RequestFacts): ErrorAnswer {
  const { record, headers } = answer
  const wait = record.retryAfter ?? retryAfterSeconds(facts.retryAfterHeader, Date.now())
  if (wait !== undefined) {
    record.retryAfter = wait
    headers.push(['retry-after', String(wait)])
  }
  return answer
}

/**
 * Turns anything thrown into one error record of the active preset: typed
 * ApiErrors by their catalog, validation failures per keyword, framework
 * errors by their code, other errors by their status, and the rest as 500.
 */
export function toErrorAnswer (thrown: unknown, facts: RequestFacts, opts: AnswerContext): ErrorAnswer {
  return agreeOnWait(classify(thrown, facts, opts), facts)
}

function classify (thrown: unknown, facts: RequestFacts, opts: AnswerContext): ErrorAnswer {
  if (isApiError(thrown)) return fromApiError(thrown, facts, opts)
  const raised = conditionOf(thrown)
  if (raised !== undefined) return fromCondition(raised.condition, raised.retryAfter, facts, opts)
  if (typeof thrown !== 'object' || thrown === null) {
    const internal = opts.conditions.internal
    return { record: errorRecord(internal, internal.entry.message, facts, opts), headers: [] }
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
