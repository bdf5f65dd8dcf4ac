import { describe } from './option-error.js'
import { makeFactory, type ErrorFactories } from './errors.js'

// Kept apart so that the presets' data modules need neither ApiError nor the factories.
export { codeRow, codeTable } from './presets/data/code-table.js'

/** What a catalog knows of one error code. */
export interface CatalogEntry {
  status: number
  /** Default message; `{name}` placeholders are filled from a factory's params. */
  message: string
  category?: string
  retryable?: boolean
  /** What the client should do (the Resolution or Action column of the preset's document). */
  resolution?: string
  /** The error type the `openai` format shows; derived from the status when absent. */
  type?: string
  /** The `problem` format's title; the HTTP status text when absent. */
  title?: string
  /** Message used when a retry delay is known and no message was given; `{retry_after}` is filled. */
  retryMessage?: string
  /** What the error means, where the document says more than the message. */
  description?: string
  /** The request field a field-specific code is about. */
  field?: string
  /** The document's retry guidance for the code. */
  retry?: RetryGuidance
}

/** How a client should retry, as the sessions document puts it. */
export type RetryGuidance = 'do_not_retry' | 'refresh_and_retry' | 'wait_retry_after' | 'exponential_backoff'

/** A catalog as written by hand: code → entry. */
export type CatalogSpec = Record<string, CatalogEntry>

/**
 * One code of a catalog as a table shows it: a row of `presets.<name>.codes` (the table of the preset's document),
 * of the generated references (`npm run docs`, the CLI) and of the `docs` pages' JSON.
 * `category` is `''` when the catalog gives none.
 */
export interface CodeRow {
  code: string
  status: number
  message: string
  category: string
  retryable: boolean
  resolution?: string
  description?: string
  field?: string
  retry?: RetryGuidance
}

const codeShape = /^[A-Za-z][A-Za-z0-9_.-]{0,127}$/

/** Checks a catalog spec and names the first thing wrong with it. */
export function assertCatalog (spec: unknown, where: string): asserts spec is CatalogSpec {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new TypeError(`${where} expects an object of error codes, instead got ${describe(spec)}`)
  }
  for (const [code, entry] of Object.entries(spec)) {
    if (!codeShape.test(code)) {
      throw new TypeError(`${where}: error code '${code}' must be letters, digits, '_', '.' or '-' (at most 128)`)
    }
    if (typeof entry !== 'object' || entry === null) {
      throw new TypeError(`${where}.${code} expects an object with status and message, instead got ${describe(entry)}`)
    }
    const { status, message } = entry as Partial<CatalogEntry>
    if (!isErrorStatus(status)) {
      throw new TypeError(`${where}.${code}.status expects an integer from 400 to 599, instead got ${describe(status)}`)
    }
    if (typeof message !== 'string' || message.length === 0) {
      throw new TypeError(`${where}.${code}.message expects a non-empty string, instead got ${describe(message)}`)
    }
  }
}

/**
 * Declares a catalog of error codes and returns a typed factory per code.
 * The `{params}` of each message template become a required, checked argument.
 *
 * @example
 * const errors = defineErrors({
 *   JOB_NOT_FOUND: { status: 404, message: 'Job {job_id} not found', category: 'Job' }
 * })
 * throw errors.JOB_NOT_FOUND({ job_id: 'job-abc123' })
 */
export function defineErrors<const Spec extends CatalogSpec> (spec: Spec): ErrorFactories<Spec> {
  assertCatalog(spec, 'defineErrors()')
  const factories: Record<string, unknown> = {}
  for (const [code, entry] of Object.entries(spec)) {
    factories[code] = makeFactory(code, entry)
  }
  Object.defineProperty(factories, kCatalog, { value: spec })
  return Object.freeze(factories) as ErrorFactories<Spec>
}

const kCatalog = Symbol.for('fastify-error-envelope.catalog')

/** The spec behind a `defineErrors()` result, or the object itself when it is a plain spec. */
export function catalogOf (value: unknown): unknown {
  if (typeof value === 'object' && value !== null && kCatalog in value) {
    return (value as Record<symbol, unknown>)[kCatalog]
  }
  return value
}

export function isErrorStatus (value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 400 && value <= 599
}
