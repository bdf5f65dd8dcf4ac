import type { RetryGuidance } from '../catalog.js'

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
 * The type of {@link ApiClientError.code}: the catalog's codes, for completion, or any other
 * string, because a server may answer a code the client's copy of the catalog does not list
 * (a newer server) and a body of no known format gives `HTTP_<status>`.
 */
export type ClientErrorCode<Code extends string> = string extends Code ? string : Code | (string & {})

/**
 * An error response of an API, whatever its format: what {@link parseApiError}
 * returns and {@link fetchWithRetry} throws. `Code` is the union of the codes of
 * the catalog it was read with (`parseApiError(response, { catalog })`).
 */
export class ApiClientError<Code extends string = string> extends Error {
  override name = 'ApiClientError'
  /** The HTTP status. */
  readonly status: number
  /** The machine-readable code (`error_code`, `error.code`, `code`), or `HTTP_<status>` when the body has none. */
  readonly code: ClientErrorCode<Code>
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
    this.code = init.code as ClientErrorCode<Code>
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

  /**
   * Whether the error's code is one of `codes`, which must be codes of the catalog the
   * error was read with (a code it does not list is a type error); narrows `code`.
   *
   * @example
   * const error = await parseApiError(response, { catalog })
   * if (error?.is('JOB_NOT_FOUND', 'JOB_EXPIRED')) showGone(error.code) // 'JOB_NOT_FOUND' | 'JOB_EXPIRED'
   */
  is<const Known extends Code> (...codes: [Known, ...Known[]]): this is this & { readonly code: Known } {
    return (codes as string[]).includes(this.code)
  }
}
