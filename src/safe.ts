/** Reads a property without letting a throwing getter or Proxy trap escape. */
export function safeGet (value: unknown, key: PropertyKey): unknown {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return undefined
  try {
    return (value as Record<PropertyKey, unknown>)[key]
  } catch {
    return undefined
  }
}

export function safeString (value: unknown, max = maxMessageLength): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return undefined
  return value.length > max ? value.slice(0, max) + '…' : value
}

export const maxMessageLength = 1024
const maxDepth = 8
const maxKeys = 100
const maxStringLength = 2048
// Values copied in all: with the string bound, details stay under about 1 MB.
const maxNodes = 500

interface CopyState { seen: Set<object>, nodes: number, redact: RegExp | null }

/** Keys whose values never leave in a body or a log line: credentials and their kin. */
export const defaultRedactKeys = ['password', 'passwd', 'secret', 'token', 'authorization', 'api_key', 'apikey', 'api-key', 'cookie', 'private_key', 'credential']

/** A key matcher: a key is secret when it contains one of `keys`, ignoring case and `_`/`-`. */
export function redactPattern (keys: readonly string[]): RegExp | null {
  if (keys.length === 0) return null
  const words = keys.map(k => k.toLowerCase().replace(/[_-]/g, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
  return new RegExp(words.join('|'))
}

const defaultRedact = redactPattern(defaultRedactKeys)

function isSecret (key: string, redact: RegExp): boolean {
  return redact.test(key.toLowerCase().replace(/[_-]/g, ''))
}

/**
 * A copy of `value` that JSON can always serialize: cycles, BigInt, symbols,
 * functions, throwing getters and `toJSON`s, and oversized input are cut
 * down rather than allowed to fail the response.
 */
export function toPlainJson (value: unknown, redact: RegExp | null = defaultRedact): unknown {
  return copy(value, 0, { seen: new Set(), nodes: 0, redact })
}

function copy (value: unknown, depth: number, state: CopyState): unknown {
  if (++state.nodes > maxNodes) return undefined
  switch (typeof value) {
    case 'string': return value.length > maxStringLength ? value.slice(0, maxStringLength) + '…' : value
    case 'number': return Number.isFinite(value) ? value : null
    case 'boolean': return value
    case 'bigint': return value.toString()
    case 'object': break
    default: return undefined
  }
  if (value === null) return null
  if (state.seen.has(value) || depth >= maxDepth) return '[Truncated]'
  state.seen.add(value)
  try {
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString()
    if (Array.isArray(value)) {
      const out: unknown[] = []
      for (let i = 0; i < Math.min(value.length, maxKeys) && state.nodes < maxNodes; i++) {
        const item = copy(safeGet(value, i), depth + 1, state)
        out.push(item === undefined ? null : item)
      }
      return out
    }
    const out: Record<string, unknown> = {}
    let count = 0
    for (const key of Object.keys(value)) {
      if (count++ >= maxKeys || state.nodes >= maxNodes) break
      if (state.redact !== null && isSecret(key, state.redact)) {
        out[key] = '[Redacted]'
        continue
      }
      const item = copy(safeGet(value, key), depth + 1, state)
      if (item !== undefined) out[key] = item
    }
    return out
  } catch {
    return '[Unreadable]'
  } finally {
    state.seen.delete(value)
  }
}

const tokenChars = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/
// Visible ASCII, space and tab: anything else could split or corrupt the response head.
const safeHeaderValue = /^[\t\x20-\x7e]{0,4096}$/
// Headers Node or HTTP framing own: an error may not set them (Node refuses `trailer` on a fixed-length body).
const reservedHeaders = new Set(['content-type', 'content-length', 'transfer-encoding', 'connection', 'trailer', 'upgrade', 'keep-alive'])

/** Keeps only headers that are safe to write; the rest are dropped, never thrown on. */
export function safeHeaders (headers: unknown, into: Array<[string, string]>): void {
  if (typeof headers !== 'object' || headers === null) return
  let keys: string[]
  try {
    keys = Object.keys(headers)
  } catch {
    return
  }
  for (const name of keys.slice(0, 32)) {
    const raw = safeGet(headers, name)
    const value = typeof raw === 'number' && Number.isFinite(raw) ? String(raw) : raw
    const lower = name.toLowerCase()
    if (typeof value === 'string' && tokenChars.test(name) && safeHeaderValue.test(value) && !reservedHeaders.has(lower)) {
      into.push([lower, value])
    }
  }
}

/** Seconds to wait, as a whole number of at least 1, from a number or a `Retry-After` value. */
export function retryAfterSeconds (value: unknown, now: number): number | undefined {
  let seconds: number | undefined
  if (typeof value === 'number') {
    seconds = value
  } else if (typeof value === 'string' && value.length > 0 && value.length < 64) {
    seconds = /^\d+(\.\d+)?$/.test(value) ? Number(value) : (Date.parse(value) - now) / 1000
  }
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return undefined
  return Math.max(1, Math.ceil(Math.min(seconds, 31_536_000)))
}
