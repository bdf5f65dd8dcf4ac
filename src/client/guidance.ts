import type { CatalogEntry, RetryGuidance } from '../catalog.js'
import { catalogs, type CatalogName } from '../catalogs.js'

// What the presets' documents say a client should do about an error: retry or not, how, and after how long.

/** Reads a response header by its lower-case name. */
export type HeaderReader = (name: string) => string | undefined

const catalogNames = Object.keys(catalogs) as CatalogName[]

/** The code's entry in the catalog of the preset its format points at, else of any preset. */
export function catalogEntry (code: string, lookup: readonly CatalogName[]): CatalogEntry | undefined {
  for (const name of [...lookup, ...catalogNames]) {
    const catalog: Record<string, CatalogEntry> = catalogs[name].catalog
    if (Object.hasOwn(catalog, code)) return catalog[code]
  }
  return undefined
}

/** 408, 429 and the 5xx but 501 are worth repeating as they are. */
export function retryableStatus (status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status !== 501)
}

export function retryAfterMsOf (bodySeconds: number | undefined, header: HeaderReader): number | undefined {
  if (bodySeconds !== undefined) return bodySeconds * 1000
  const ms = header('retry-after-ms')?.trim()
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms)) return Number(ms)
  const value = header('retry-after')?.trim()
  if (value === undefined) return undefined
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}

export function guidanceOf (status: number, code: string, retryable: boolean, entry: CatalogEntry | undefined): RetryGuidance {
  // An expired token is fixed by the client itself: it is worth one more try even where the status says no.
  if (entry?.retry === 'refresh_and_retry' || (status === 401 && code === 'AUTH_EXPIRED_TOKEN')) return 'refresh_and_retry'
  if (!retryable) return 'do_not_retry'
  if (entry?.retry !== undefined && entry.retry !== 'do_not_retry') return entry.retry
  return status === 429 ? 'wait_retry_after' : 'exponential_backoff'
}
