import type { CatalogSpec, RetryGuidance } from '../catalog.js'
import { checkClientCatalog, type ClientCatalog } from './catalog.js'
import { read } from './parse.js'

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
export interface RetryPolicy<Catalog extends CatalogSpec = CatalogSpec> {
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
  /** The API's catalog as plain data, as `parseApiError` takes it: its `retryable` and `retry` decide before the presets'. */
  catalog?: ClientCatalog<Catalog>
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
 * With `catalog` (the API's own codes as plain data) its codes' `retryable` and `retry` count
 * before the presets'. Network errors (fetch rejecting with a `TypeError`) are retried with backoff.
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
export async function fetchWithRetry<Catalog extends CatalogSpec = CatalogSpec> (url: string | URL, init: RequestInit = {}, policy: RetryPolicy<Catalog> = {}): Promise<Response> {
  const { maxAttempts = 3, maxElapsedMs = 30_000, baseDelayMs = 500, maxDelayMs = 10_000, jitter = true, onRefresh, onRetry } = policy
  const catalog = policy.catalog
  checkClientCatalog(catalog, 'fetchWithRetry()')
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
      const error = await read(response, catalog)
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
