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
  /** What exactly is wrong with `field`, when `message` is the catalog's general one. */
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
