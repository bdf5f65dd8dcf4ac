import type { CatalogEntry } from './catalog.js'
import { redactText } from './safe.js'

/** One violation of a request schema, with the field named as a client wrote it. */
export interface Violation {
  /** Dotted field name (`prompt`, `items.0.name`); absent for the whole body. */
  field?: string
  /** The catalog code this violation maps to. */
  code: string
  message: string
  /** Where the field was: body, querystring, params or headers. */
  location?: string
  /** The validator's keyword (`required`, `maxLength`, …) when it gives one. */
  keyword?: string
}

/**
 * The one normalized shape every thrown value becomes before a format turns
 * it into a body. Formats and custom formatters receive exactly this.
 */
export interface ErrorRecord {
  status: number
  code: string
  /** Safe to show: a 5xx carries its catalog message unless exposed. */
  message: string
  category?: string
  retryable: boolean
  details?: Record<string, unknown>
  field?: string
  /** What exactly is wrong, when `message` is the catalog's general one: with `field`, with that field; without, with the request (a malformed body). */
  issue?: string
  /** Whole seconds, at least 1. */
  retryAfter?: number
  /** Every violation, for validation failures. */
  violations?: Violation[]
  requestId: string
  /** ISO-8601 UTC, whole seconds (`2024-01-01T00:00:00Z`). */
  timestamp: string
  /** The request's path, for `problem`'s `instance`. */
  instance: string
  /** From the catalog entry, for formats that show them. */
  type?: string
  title?: string
  /** The link to the code's page, when the `docs` option serves them and the active catalog has the code. */
  docUrl?: string
}

/** A function that turns a record into a response body. */
export type FormatterFunction = (record: ErrorRecord) => unknown

/** An output format: a pure function from record to body, and its content type. */
export interface Format {
  readonly name: string
  readonly contentType: string
  build: FormatterFunction
  /** Turns the body into the response text; JSON.stringify when absent. */
  serialize?: (body: unknown) => string
}

/** Where a request is, as far as an error record needs it. */
export interface RequestFacts {
  requestId: string
  instance: string
  method: string
  /** A `Retry-After` already on the reply (set by `@fastify/rate-limit` or `@fastify/under-pressure`). */
  retryAfterHeader?: unknown
  /** The reply's status when the error reached the handler (`reply.code(404); throw …`). */
  replyStatus?: number
}

/** The code a record answers with: its status (which may differ from the entry's) and its catalog entry. */
export interface RecordTarget {
  code: string
  status: number
  entry: CatalogEntry
}

/** What building a record reads of the resolved options. */
export interface RecordSettings {
  /** The active catalog: only its codes link to a docs page. */
  catalog: ReadonlyMap<string, unknown>
  /** Whether messages are redacted (null: redaction is off). */
  redact: RegExp | null
  now: () => Date
  /** The docs pages, when the `docs` option serves them. */
  docs?: { links: string } | undefined
}

// Formatting a date is most of what building a record costs; within one second the text is the same.
let cachedSecond = -1
let cachedTimestamp = ''

/** The clock when the app sets none: real time, read without making a Date per error. */
export function systemClock (): Date {
  return new Date()
}

/** `now()` as ISO-8601 UTC in whole seconds; real time when the clock gives no valid date. */
export function timestampOf (now: () => Date): string {
  let given: unknown
  if (now !== systemClock) {
    try {
      given = now()
    } catch {}
  }
  // A clock that throws or gives no valid date must not cost the client its answer: real time stands in.
  const ms = given instanceof Date && !Number.isNaN(given.getTime()) ? given.getTime() : Date.now()
  const second = Math.floor(ms / 1000)
  if (second !== cachedSecond) {
    cachedSecond = second
    cachedTimestamp = new Date(second * 1000).toISOString().replace('.000Z', 'Z')
  }
  return cachedTimestamp
}

// A catalog's own message is the same text for every error of its code: redacted once, not per answer.
const redactedCatalogMessages = new WeakMap<CatalogEntry, { message: string, redacted: string }>()

function redactedMessage (entry: CatalogEntry, message: string): string {
  if (message !== entry.message) return redactText(message)
  const cached = redactedCatalogMessages.get(entry)
  if (cached?.message === message) return cached.redacted
  const redacted = redactText(message)
  redactedCatalogMessages.set(entry, { message, redacted })
  return redacted
}

/**
 * The one constructor of an error record: the target's code, status and catalog metadata, the
 * message (redacted unless redaction is off), the request's id and path, the time, and the link
 * to the code's page. What is particular to one error (details, field, retryAfter) is added after.
 */
export function errorRecord (target: RecordTarget, message: string, facts: Pick<RequestFacts, 'requestId' | 'instance'>, settings: RecordSettings): ErrorRecord {
  const record: ErrorRecord = {
    status: target.status,
    code: target.code,
    // A message shown on purpose may still quote a credential (an upstream's "Incorrect API key: sk-…").
    message: settings.redact === null ? message : redactedMessage(target.entry, message),
    retryable: target.entry.retryable ?? false,
    requestId: facts.requestId,
    timestamp: timestampOf(settings.now),
    instance: facts.instance
  }
  if (target.entry.category !== undefined) record.category = target.entry.category
  if (target.entry.type !== undefined) record.type = target.entry.type
  if (target.entry.title !== undefined) record.title = target.entry.title
  if (settings.docs !== undefined && settings.catalog.has(target.code)) record.docUrl = `${settings.docs.links}/${target.code}`
  return record
}
