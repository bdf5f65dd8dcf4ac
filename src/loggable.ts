// What the log shows of a thrown value: every property, nested causes, redacted as a body is.
import { isSecretKey, redactText, safeGet, safeString, toPlainJson } from './safe.js'

/** A nested error as the log can show it: pino's error serializer only reaches the top-level `err`. */
function summary (value: unknown, redact: RegExp | null, depth = 1): unknown {
  if (value === undefined) return undefined
  return isErrorLike(value) && depth < maxCauseDepth ? loggedError(value, redact, depth) : toPlainJson(value, redact)
}

const maxCauseDepth = 5
// Shown by pino apart from the error's other properties, or walked by it as causes.
const loggedApart = new Set(['name', 'message', 'stack', 'cause', 'errors'])

function isErrorLike (value: unknown): value is object {
  try {
    return value instanceof Error || (typeof value === 'object' && value !== null && typeof safeGet(value, 'message') === 'string')
  } catch {
    return false
  }
}

/** Errors go to the logger with all their properties, nested, redacted as a body is (docs/safety.md, "What is redacted"). */
export function loggable (thrown: unknown, redact: RegExp | null): unknown {
  return isErrorLike(thrown) ? loggedError(thrown, redact, 0) : toPlainJson(thrown, redact)
}

/**
 * A copy of an error that pino's serializer reads as the error: a null prototype makes it take
 * the type from `name` (kept off the line), and it walks `cause` for the stack and message.
 */
function loggedError (err: object, redact: RegExp | null, depth: number): object {
  const text = (value: unknown): string | undefined => typeof value === 'string' ? (redact === null ? value : redactText(value)) : undefined
  const out: Record<string, unknown> = Object.create(null)
  const constructorName = safeGet(safeGet(err, 'constructor'), 'name')
  const type = typeof constructorName === 'string' && constructorName !== 'Object' ? constructorName : String(safeGet(err, 'name') ?? 'Error')
  Object.defineProperty(out, 'name', { value: type })
  out.type = type
  out.message = text(safeGet(err, 'message')) ?? ''
  const stack = text(safeGet(err, 'stack'))
  if (stack !== undefined) out.stack = stack
  let keys: string[] = []
  try {
    keys = Object.keys(err)
  } catch {}
  for (const key of keys.slice(0, 100)) {
    if (loggedApart.has(key)) continue
    const value = redact !== null && isSecretKey(key, redact) ? '[Redacted]' : toPlainJson(safeGet(err, key), redact)
    if (value !== undefined) Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true })
  }
  const cause = summary(safeGet(err, 'cause'), redact, depth + 1)
  if (cause !== undefined) out.cause = cause
  const errors = safeGet(err, 'errors')
  if (Array.isArray(errors)) out.errors = errors.slice(0, 10).map(item => summary(item, redact, depth + 1))
  return out
}

export function describeThrown (thrown: unknown, redact: RegExp | null): string {
  const described = typeof thrown === 'string'
    ? safeString(thrown) ?? 'empty string thrown'
    : safeString(safeGet(thrown, 'message')) ?? `${thrown === null ? 'null' : typeof thrown} thrown`
  return redact === null ? described : redactText(described)
}
