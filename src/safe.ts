import { createRequire } from 'node:module'

/** A promise, or anything `await` would treat as one. */
export function isThenable (value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
}

/**
 * A file inside a dependency that has no `exports` map (so its files can be loaded), or `undefined`
 * when the installed version keeps it elsewhere: the caller then takes its slower, public way.
 */
export function internalModule (specifier: string): unknown {
  try {
    return createRequire(import.meta.url)(specifier)
  /* c8 ignore next 3 -- the versions we depend on have these files where we load them */
  } catch {
    return undefined
  }
}

/**
 * One of Fastify's internal symbols (fastify/lib/symbols.js). A Fastify that keeps it elsewhere (a
 * later version) gets a symbol no object has, so that a lookup under it finds nothing and the
 * caller takes its public way, as it does for an app on another copy of Fastify (tested).
 */
export function fastifySymbol (name: string): symbol {
  /* c8 ignore next -- Fastify 5 has its symbols there */
  return (safeGet(internalModule('fastify/lib/symbols.js'), name) ?? Symbol(`no ${name}`)) as symbol
}

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

/**
 * The built-in secret key words (docs/safety.md, "What is redacted"). A key is split into words
 * (`_`, `-`, `.`, spaces, camelCase); it is secret when its words hold one of these, or when it
 * is or ends in `token` or `auth` (`access_token`, `x-auth`), so that `max_tokens`,
 * `token_count` or `author` stay readable.
 */
export const defaultRedactKeys: readonly string[] = Object.freeze([
  'password', 'passwd', 'pwd', 'passphrase', 'secret', 'secrets', 'authorization', 'cookie', 'cookies',
  'credential', 'credentials', 'apikey', 'api key', 'private key', 'privatekey', 'signing key', 'encryption key',
  'session id', 'sessionid', 'jwt', 'auth header', 'token (last word)', 'auth (last word)'
])

/** The words of a key, lower-cased, each with a space either side: ` access token `. */
export function keyWords (key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(word => word.length > 0)
  return ` ${words.join(' ')} `
}

function escape (text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

const anyWords = defaultRedactKeys.filter(k => !k.endsWith('(last word)'))
const lastWords = defaultRedactKeys.filter(k => k.endsWith('(last word)')).map(k => k.slice(0, -' (last word)'.length))
const defaultRedact = new RegExp(` (?:${anyWords.map(escape).join('|')}) | (?:${lastWords.map(escape).join('|')}) $`)
// Matches no key: redaction of credential-looking values stays on with an empty key list.
const noKey = /(?!)/

/**
 * A key matcher over `keyWords(key)`: the built-in rule for `defaultRedactKeys`, else a key is
 * secret when its words hold the words of one of `keys` in a row (`ssn` matches `user_ssn`).
 */
export function redactPattern (keys: readonly string[]): RegExp {
  if (keys === defaultRedactKeys) return defaultRedact
  const phrases = keys.map(keyWords).filter(phrase => phrase.trim() !== '')
  if (phrases.length === 0) return noKey
  return new RegExp(phrases.map(escape).join('|'))
}

export function isSecretKey (key: string, redact: RegExp): boolean {
  return redact.test(keyWords(key))
}

// Credentials by their look, wherever they are: a scheme and its token, the prefixes of
// well-known API keys, JWTs, and the user:password of a URL.
const schemeCredential = /\b(?:Bearer|Basic|Digest|Token)\s+([A-Za-z0-9._~+/-]+=*)/gi
const wellKnownKey = new RegExp([
  String.raw`\b(?:sk|pk|rk)[-_](?:live|test|proj|ant|admin|svcacct)[-_][A-Za-z0-9_-]{4,}`,
  String.raw`\bsk-[A-Za-z0-9]{20,}`,
  String.raw`\bgh[pousr]_[A-Za-z0-9]{20,}`,
  String.raw`\bgithub_pat_[A-Za-z0-9_]{20,}`,
  String.raw`\bglpat-[A-Za-z0-9_-]{20,}`,
  String.raw`\bxox[bpars]-[A-Za-z0-9-]{8,}`,
  String.raw`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`,
  String.raw`\bAIza[0-9A-Za-z_-]{30,}`,
  String.raw`\bnpm_[A-Za-z0-9]{36}\b`,
  String.raw`\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`
].join('|'), 'g')
const urlCredential = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi
// A word after a scheme name is prose ("Basic authentication"), not a credential.
const proseWord = /^[A-Za-z][a-z]*$/

/** `text` with every credential-looking part replaced by `[Redacted]`. */
export function redactText (text: string): string {
  return text
    .replace(schemeCredential, (whole, token: string) => token.length < 8 || proseWord.test(token) ? whole : '[Redacted]')
    .replace(wellKnownKey, '[Redacted]')
    .replace(urlCredential, '$1[Redacted]@')
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
  // Callers stop before the bound (the loops below check it): counting is all that is left to do here.
  state.nodes++
  switch (typeof value) {
    case 'string': {
      const text = value.length > maxStringLength ? value.slice(0, maxStringLength) + '…' : value
      return state.redact === null ? text : redactText(text)
    }
    case 'number': return Number.isFinite(value) ? value : null
    case 'boolean': return value
    case 'bigint': return value.toString()
    case 'object': break
    default: return undefined
  }
  if (value === null) return null
  if (state.seen.has(value) || depth >= maxDepth) return '[Truncated]'
  state.seen.add(value)
  let out: unknown
  try {
    out = copyObject(value, depth, state)
  } catch {
    out = '[Unreadable]'
  }
  state.seen.delete(value)
  return out
}

/** The copy of an object, array or Date; may throw (a Proxy's trap, a getter), which `copy` answers. */
function copyObject (value: object, depth: number, state: CopyState): unknown {
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
    const item = state.redact !== null && isSecretKey(key, state.redact) ? '[Redacted]' : copy(safeGet(value, key), depth + 1, state)
    // A plain assignment of `__proto__` would set the copy's prototype: every key is an own data property.
    if (item !== undefined) Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true })
  }
  return out
}

const tokenChars = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/
// Visible ASCII, space and tab: anything else could split or corrupt the response head.
const safeHeaderValue = /^[\t\x20-\x7e]{0,4096}$/
// What an ApiError may not set (docs/safety.md, "Which headers an error may set"): the body's
// representation, which the format owns; hop-by-hop framing, which Node owns; and cookies.
const representationOrHop = /^(?:content-|proxy-)|^(?:transfer-encoding|connection|keep-alive|upgrade|trailer|te|set-cookie)$/
// What any other error may set: the headers that belong with a 4xx/5xx answer itself.
const foreignAllowed = new Set(['www-authenticate', 'allow'])

/**
 * Which headers an error may set: `api` for an ApiError (any but representation, hop-by-hop and
 * cookies), `foreign` for anything else (only WWW-Authenticate and Allow).
 */
export type HeaderPolicy = 'api' | 'foreign'

/**
 * Copies the headers an error may set into `into`; the rest are dropped, never thrown on.
 * `Retry-After` is never copied: its raw value is returned, for the caller to normalise.
 */
export function safeHeaders (headers: unknown, into: Array<[string, string]>, policy: HeaderPolicy): unknown {
  if (typeof headers !== 'object' || headers === null) return undefined
  let keys: string[]
  try {
    keys = Object.keys(headers)
  } catch {
    return undefined
  }
  let retryAfter: unknown
  for (const name of keys.slice(0, 32)) {
    const raw = safeGet(headers, name)
    const value = typeof raw === 'number' && Number.isFinite(raw) ? String(raw) : raw
    const lower = name.toLowerCase()
    if (lower === 'retry-after') {
      retryAfter = value
      continue
    }
    const allowed = policy === 'api' ? !representationOrHop.test(lower) : foreignAllowed.has(lower)
    if (allowed && typeof value === 'string' && tokenChars.test(name) && safeHeaderValue.test(value)) {
      into.push([lower, value])
    }
  }
  return retryAfter
}

const httpDate = /^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/

/**
 * Seconds to wait, as a whole number of at least 1, from a number or a `Retry-After` value
 * (seconds or an HTTP-date; a date already past means now, so 1); undefined when unreadable.
 */
export function retryAfterSeconds (value: unknown, now: number): number | undefined {
  let seconds: number | undefined
  if (typeof value === 'number') {
    seconds = value
  } else if (typeof value === 'string' && value.length > 0 && value.length < 64) {
    const text = value.trim()
    if (/^\d+(\.\d+)?$/.test(text)) {
      seconds = Number(text)
    } else if (httpDate.test(text)) {
      const at = Date.parse(text)
      if (!Number.isNaN(at)) seconds = Math.max(0, (at - now) / 1000)
    }
  }
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return undefined
  return Math.max(1, Math.ceil(Math.min(seconds, 31_536_000)))
}
