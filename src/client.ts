/**
 * `fastify-error-envelope/client`: the other end of the wire. Reads an error
 * response of any of the plugin's formats (and of APIs that speak them) into
 * one typed error, and retries a request the way the presets' documents say.
 *
 * It has no runtime dependency on Fastify or on Node: it runs wherever `fetch`
 * does (browsers, edge runtimes, Deno, Bun, Node ≥ 18). The presets' catalogs
 * it consults are plain data.
 */
import type { CatalogEntry, RetryGuidance } from './catalog.js'
import { presets, type PresetName } from './presets/index.js'

export type { RetryGuidance } from './catalog.js'

/** The body shape an error was recognised as; `unknown` when it is none of the plugin's formats (or not JSON). */
export type ErrorBodyFormat = 'flat' | 'envelope' | 'openai' | 'problem' | 'unknown'

/** What {@link ApiClientError} is built from. */
export interface ApiClientErrorInit {
  status: number
  code: string
  message: string
  requestId?: string | undefined
  details?: Record<string, unknown> | undefined
  field?: string | undefined
  docUrl?: string | undefined
  retryable: boolean
  retryAfterMs?: number | undefined
  format: ErrorBodyFormat
  retry: RetryGuidance
  body?: unknown
}

/**
 * An error response of an API, whatever its format: what {@link parseApiError}
 * returns and {@link fetchWithRetry} throws.
 */
export class ApiClientError extends Error {
  override name = 'ApiClientError'
  /** The HTTP status. */
  readonly status: number
  /** The machine-readable code (`error_code`, `error.code`, `code`), or `HTTP_<status>` when the body has none. */
  readonly code: string
  /** The body's request id, else the `x-request-id` header: log it, and quote it to support. */
  readonly requestId: string | undefined
  /** More context: `error.details` of the envelope; the members beyond the documented ones in the other formats. */
  readonly details: Record<string, unknown> | undefined
  /** The request field a validation error is about (`field`, `details.field`, `param`, `errors[0].field`). */
  readonly field: string | undefined
  /** The page that documents this error: `doc_url`, or a problem's dereferenceable `type`. */
  readonly docUrl: string | undefined
  /** Whether the same request may succeed later. */
  readonly retryable: boolean
  /** How long the server asked to wait, in milliseconds (`retry_after`, `retry-after-ms` or `Retry-After`). */
  readonly retryAfterMs: number | undefined
  /** Which body shape this was read from. */
  readonly format: ErrorBodyFormat
  /** What a client should do about it. */
  readonly retry: RetryGuidance
  /** The parsed JSON body (undefined when it was not JSON). */
  readonly body: unknown

  constructor (init: ApiClientErrorInit) {
    super(init.message)
    this.status = init.status
    this.code = init.code
    this.requestId = init.requestId
    this.details = init.details
    this.field = init.field
    this.docUrl = init.docUrl
    this.retryable = init.retryable
    this.retryAfterMs = init.retryAfterMs
    this.format = init.format
    this.retry = init.retry
    this.body = init.body
  }
}

/** The members of a `fetch` / undici `Response` that {@link parseApiError} reads. */
export interface FetchResponseLike {
  status: number
  statusText: string
  headers: { get: (name: string) => string | null }
  text: () => Promise<string>
}

/** The members of a light-my-request `inject()` result that {@link parseApiError} reads. */
export interface InjectResponseLike {
  statusCode: number
  statusMessage?: string
  headers: Record<string, string | string[] | number | undefined>
  body?: string
  json?: () => unknown
}

type HeaderReader = (name: string) => string | undefined

interface Shape {
  format: ErrorBodyFormat
  code?: string | undefined
  message?: string | undefined
  requestId?: string | undefined
  details?: Record<string, unknown> | undefined
  field?: string | undefined
  docUrl?: string | undefined
  /** Seconds, from the body. */
  retryAfter?: number | undefined
  /** The presets whose catalog to ask first about the code. */
  lookup?: readonly PresetName[]
}

const presetNames = Object.keys(presets) as PresetName[]

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function str (value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

function seconds (value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined
}

/** The members of `obj` beyond the `known` ones, or undefined when there are none. */
function rest (obj: Record<string, unknown>, known: readonly string[]): Record<string, unknown> | undefined {
  const extra = Object.entries(obj).filter(([key]) => !known.includes(key))
  return extra.length === 0 ? undefined : Object.fromEntries(extra)
}

const flatMembers = ['detail', 'error_code', 'request_id', 'field', 'retry_after', 'doc_url']
const openaiMembers = ['message', 'type', 'code', 'param', 'doc_url']
const problemMembers = ['type', 'title', 'status', 'detail', 'instance', 'code', 'request_id', 'retry_after']

/** Recognises one of the four formats by its members. */
function shapeOf (body: unknown): Shape {
  if (!isObject(body)) return { format: 'unknown' }
  const error = body.error
  if (body.success === false && isObject(error)) {
    const details = isObject(error.details) ? error.details : undefined
    const meta = isObject(body.meta) ? body.meta : {}
    return {
      format: 'envelope',
      code: str(error.code),
      message: str(error.message),
      requestId: str(meta.request_id),
      details,
      field: str(details?.field),
      docUrl: str(error.doc_url),
      // `data: null` is the sessions document's envelope; without it, the GenAI one.
      lookup: 'data' in body ? ['sessions', 'genai'] : ['genai', 'sessions']
    }
  }
  if (isObject(error) && typeof error.message === 'string') {
    // OpenAI itself sends `code: null` for some errors; its `type` says what they are.
    return { format: 'openai', code: str(error.code) ?? str(error.type), message: error.message, field: str(error.param), docUrl: str(error.doc_url), details: rest(error, openaiMembers), lookup: ['tokenbay'] }
  }
  if (typeof body.status === 'number' && typeof body.title === 'string') {
    const first = Array.isArray(body.errors) && isObject(body.errors[0]) ? body.errors[0] : {}
    return {
      format: 'problem',
      code: str(body.code),
      message: str(body.detail) ?? body.title,
      requestId: str(body.request_id),
      details: rest(body, problemMembers),
      field: str(first.field),
      // RFC 9457: a `type` other than about:blank identifies the problem and should lead to its documentation.
      docUrl: body.type === 'about:blank' ? undefined : str(body.type),
      retryAfter: seconds(body.retry_after),
      lookup: ['problem']
    }
  }
  if (typeof body.error_code === 'string' && typeof body.detail === 'string') {
    return {
      format: 'flat',
      code: body.error_code,
      message: body.detail,
      requestId: str(body.request_id),
      details: rest(body, flatMembers),
      field: str(body.field),
      docUrl: str(body.doc_url),
      retryAfter: seconds(body.retry_after),
      lookup: ['aitbc']
    }
  }
  return { format: 'unknown' }
}

/** The code's entry in the catalog of the preset its format points at, else of any preset. */
function catalogEntry (code: string, lookup: readonly PresetName[]): CatalogEntry | undefined {
  for (const name of [...lookup, ...presetNames]) {
    const catalog: Record<string, CatalogEntry> = presets[name].catalog
    if (Object.hasOwn(catalog, code)) return catalog[code]
  }
  return undefined
}

/** 408, 429 and the 5xx but 501 are worth repeating as they are. */
function retryableStatus (status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status !== 501)
}

function retryAfterMsOf (bodySeconds: number | undefined, header: HeaderReader): number | undefined {
  if (bodySeconds !== undefined) return bodySeconds * 1000
  const ms = header('retry-after-ms')?.trim()
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms)) return Number(ms)
  const value = header('retry-after')?.trim()
  if (value === undefined) return undefined
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}

function guidanceOf (status: number, code: string, retryable: boolean, entry: CatalogEntry | undefined): RetryGuidance {
  // An expired token is fixed by the client itself: it is worth one more try even where the status says no.
  if (entry?.retry === 'refresh_and_retry' || (status === 401 && code === 'AUTH_EXPIRED_TOKEN')) return 'refresh_and_retry'
  if (!retryable) return 'do_not_retry'
  if (entry?.retry !== undefined && entry.retry !== 'do_not_retry') return entry.retry
  return status === 429 ? 'wait_retry_after' : 'exponential_backoff'
}

function errorFrom (status: number, statusText: string, header: HeaderReader, body: unknown): ApiClientError {
  const shape = shapeOf(body)
  const code = shape.code ?? `HTTP_${status}`
  const entry = shape.lookup === undefined ? undefined : catalogEntry(code, shape.lookup)
  const shouldRetry = header('x-should-retry')
  const retryable = shouldRetry === 'true' || (shouldRetry !== 'false' && (entry?.retryable ?? retryableStatus(status)))
  return new ApiClientError({
    status,
    code,
    message: shape.message ?? statusText,
    requestId: shape.requestId ?? header('x-request-id'),
    details: shape.details,
    field: shape.field,
    docUrl: shape.docUrl,
    retryable,
    retryAfterMs: retryAfterMsOf(shape.retryAfter, header),
    format: shape.format,
    retry: guidanceOf(status, code, retryable, entry),
    body
  })
}

function parseJson (text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function injectBody (response: InjectResponseLike): unknown {
  if (typeof response.body === 'string') return parseJson(response.body)
  try {
    return response.json?.()
  } catch {
    return undefined
  }
}

/**
 * Reads an error response into an {@link ApiClientError}; `undefined` when the
 * status is below 400. Recognises the plugin's four body formats (flat,
 * envelope, openai, problem) by their shape; any other body, JSON or not,
 * still gives an error, of format `unknown` with code `HTTP_<status>`.
 *
 * On a `fetch` `Response` it **reads the body** (`response.text()`, once): do
 * not read it before, and use the error's `body` afterwards. An `inject()`
 * result is read from its `body` string.
 *
 * @example
 * import { parseApiError } from 'fastify-error-envelope/client'
 *
 * const response = await fetch('https://api.example.com/v1/jobs/job-1')
 * const error = await parseApiError(response)
 * if (error !== undefined) {
 *   console.error(error.code, error.message, { request_id: error.requestId })
 *   throw error
 * }
 */
export async function parseApiError (response: FetchResponseLike | InjectResponseLike): Promise<ApiClientError | undefined> {
  if ('statusCode' in response) {
    if (response.statusCode < 400) return undefined
    const headers = response.headers
    const header: HeaderReader = name => {
      const value = headers[name]
      return value === undefined ? undefined : Array.isArray(value) ? value.join(', ') : String(value)
    }
    return errorFrom(response.statusCode, response.statusMessage ?? `HTTP ${response.statusCode}`, header, injectBody(response))
  }
  if (response.status < 400) return undefined
  const header: HeaderReader = name => response.headers.get(name) ?? undefined
  const text = await response.text()
  return errorFrom(response.status, response.statusText || `HTTP ${response.status}`, header, parseJson(text))
}

/** What {@link RetryPolicy.onRetry} is told before each wait. */
export interface RetryInfo {
  /** The attempt that just failed, from 1. */
  attempt: number
  /** How long it waits before the next attempt. */
  delayMs: number
  /** Why it retries: the error's guidance, or `network_error` when fetch itself failed. */
  retry: RetryGuidance | 'network_error'
  /** The ApiClientError of the response, or the network error. */
  error: unknown
}

/** How {@link fetchWithRetry} retries. */
export interface RetryPolicy {
  /** Attempts in all, the first included. Default 3. */
  maxAttempts?: number
  /** No wait may end later than this many ms after the first attempt started; the error is thrown instead. Default 30 000. */
  maxElapsedMs?: number
  /** The first backoff delay; it doubles per attempt. Default 500. */
  baseDelayMs?: number
  /** The largest backoff delay. Default 10 000. */
  maxDelayMs?: number
  /** Full jitter: wait a random time up to the backoff delay. Default true. */
  jitter?: boolean
  /** Aborts the request and any wait (default: `init.signal`). */
  signal?: AbortSignal
  /** The fetch to use. Default the global one. */
  fetch?: typeof fetch
  /** Called once on `refresh_and_retry` (an expired token); the headers it returns are set on the next request. */
  onRefresh?: () => Promise<HeadersInitLike | undefined>
  /** Called before each wait. */
  onRetry?: (info: RetryInfo) => void
  /** How to wait; must reject when `signal` aborts. Default a timer. */
  sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>
}

/** Anything `new Headers()` accepts. */
export type HeadersInitLike = NonNullable<RequestInit['headers']>

function timer (ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(id)
      reject(signal?.reason)
    }
    const id = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * `fetch` with the retry rules of the presets' documents. Resolves with the
 * first response below 400; on an error response it reads the body with
 * {@link parseApiError} and, by the error's `retry` guidance:
 *
 * - `do_not_retry` (auth, validation, quota, …): throws the ApiClientError at once;
 * - `wait_retry_after` (rate limits): waits `retryAfterMs`, or backs off when the server gave none;
 * - `exponential_backoff` (retryable 5xx): waits `min(maxDelayMs, baseDelayMs * 2 ** attempt)`
 *   with full jitter, and never less than a `Retry-After` the server sent;
 * - `refresh_and_retry` (an expired token): calls `onRefresh` once and retries at once with its headers.
 *
 * Network errors (fetch rejecting with a `TypeError`) are retried with backoff.
 * After `maxAttempts`, or when a wait would end past `maxElapsedMs`, it throws
 * the last error. An abort of `signal` rejects at once with its reason, also
 * during a wait. The request body must be replayable (a string, bytes,
 * `URLSearchParams`, `FormData`), not a stream.
 *
 * @example
 * import { ApiClientError, fetchWithRetry } from 'fastify-error-envelope/client'
 *
 * try {
 *   const response = await fetchWithRetry('https://api.example.com/v1/jobs', {
 *     method: 'POST',
 *     headers: { 'content-type': 'application/json' },
 *     body: JSON.stringify({ prompt: 'hello' })
 *   }, { maxAttempts: 4, signal: AbortSignal.timeout(20_000) })
 *   console.log(await response.json())
 * } catch (err) {
 *   if (err instanceof ApiClientError) console.error(err.code, err.requestId)
 *   throw err
 * }
 */
export async function fetchWithRetry (url: string | URL, init: RequestInit = {}, policy: RetryPolicy = {}): Promise<Response> {
  const { maxAttempts = 3, maxElapsedMs = 30_000, baseDelayMs = 500, maxDelayMs = 10_000, jitter = true, onRefresh, onRetry } = policy
  const doFetch = policy.fetch ?? globalThis.fetch
  const sleep = policy.sleep ?? timer
  const signal = policy.signal ?? init.signal ?? undefined
  const headers = new Headers(init.headers)
  const started = Date.now()
  let refreshed = false
  const backoff = (attempt: number): number => {
    const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt)
    return jitter ? Math.random() * cap : cap
  }

  for (let attempt = 0; ; attempt++) {
    signal?.throwIfAborted()
    let failure: unknown
    let retry: RetryInfo['retry'] = 'network_error'
    let delayMs = 0
    let response: Response | undefined
    try {
      response = await doFetch(url, { ...init, headers, signal })
    } catch (err) {
      signal?.throwIfAborted()
      if (!(err instanceof TypeError)) throw err
      failure = err
      delayMs = backoff(attempt)
    }
    if (response !== undefined) {
      const error = await parseApiError(response)
      if (error === undefined) return response
      failure = error
      retry = error.retry
      if (retry === 'do_not_retry' || (retry === 'refresh_and_retry' && (refreshed || onRefresh === undefined))) throw error
      delayMs = retry === 'refresh_and_retry'
        ? 0
        : retry === 'wait_retry_after'
          ? error.retryAfterMs ?? backoff(attempt)
          : Math.max(backoff(attempt), error.retryAfterMs ?? 0)
    }
    if (attempt + 1 >= maxAttempts || Date.now() - started + delayMs > maxElapsedMs) throw failure
    if (retry === 'refresh_and_retry') {
      refreshed = true
      const fresh = await (onRefresh as NonNullable<RetryPolicy['onRefresh']>)()
      if (fresh !== undefined) new Headers(fresh).forEach((value, name) => headers.set(name, value))
    }
    onRetry?.({ attempt: attempt + 1, delayMs, retry, error: failure })
    signal?.throwIfAborted()
    if (delayMs > 0) await sleep(delayMs, signal)
  }
}
