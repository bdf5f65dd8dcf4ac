import type { CatalogEntry, CatalogSpec } from './catalog.js'
import type { PresetName, presets } from './presets/index.js'

/** Options every typed error accepts. */
export interface ApiErrorOptions {
  /** Replaces the catalog's default message. */
  message?: string
  /** A plain JSON object with more context for the client. */
  details?: Record<string, unknown>
  /** The request field the error is about (shown as `field`, `param` or `details.field`). */
  field?: string
  /** Overrides the catalog's status. Required for codes the active catalog does not know. */
  status?: number
  /** Seconds the client should wait; sets `Retry-After` and `retry_after`. */
  retryAfter?: number
  /** The underlying error; logged, never sent. */
  cause?: unknown
  /** Extra response headers. */
  headers?: Record<string, string | number>
  /** Show the message and details of a 5xx to the client (they are hidden by default). */
  expose?: boolean
}

/**
 * Declares, once per project, which codes `new ApiError(code)` accepts. Empty
 * by default: any string compiles. Augment it and a code that is not in your
 * preset or catalog is a type error, and editors complete the codes.
 *
 * - `preset`: the name of the preset you register (default `'aitbc'`): its codes.
 * - `errors`: the type of the `errors` option, a `defineErrors()` result or a plain spec: its codes.
 * - `codes`: a union of further codes, such as ones you throw with an explicit `status`.
 *
 * @example
 * declare module 'fastify-error-envelope' {
 *   interface Register {
 *     preset: 'genai'
 *     errors: typeof errors
 *   }
 * }
 */
export interface Register {}

type RegisteredPreset = Register extends { preset: infer Name extends PresetName } ? Name : 'aitbc'
type RegisteredCatalogCodes = Register extends { errors: infer Errors } ? keyof Errors & string : never
type RegisteredExtraCodes = Register extends { codes: infer Codes extends string } ? Codes : never

/**
 * The codes `new ApiError(code)` accepts: any string, unless {@link Register}
 * is augmented; then the codes of the registered preset, catalog and `codes`.
 */
export type ErrorCode = keyof Register extends never
  ? string
  : (keyof (typeof presets)[RegisteredPreset]['catalog'] & string) | RegisteredCatalogCodes | RegisteredExtraCodes

// Symbol.for so that `isApiError` holds across duplicate copies of this package.
const kApiError = Symbol.for('fastify-error-envelope.ApiError')
// What a factory knew when it made the error; read by the handler through `apiErrorInternals()`.
const kInternals = Symbol.for('fastify-error-envelope.ApiError.internals')
// Only makeFactory holds it: a constructor call from outside cannot pass an entry.
const kFactoryCall = Symbol('fastify-error-envelope.factoryCall')

/** What the handler reads of an ApiError beside its public members. */
export interface ApiErrorInternals {
  /** The catalog entry the error was made from, when a factory made it. */
  entry: CatalogEntry | undefined
  /** The values of the message template's `{params}`, when a factory made it. */
  params: Record<string, unknown> | undefined
  /** True when no message was given: the catalog's message applies. */
  defaultMessage: boolean
}

const noInternals: ApiErrorInternals = Object.freeze({ entry: undefined, params: undefined, defaultMessage: false })

/**
 * An error identified by a code of the active catalog. Status, default
 * message and retryability come from the catalog when the error is handled,
 * so `new ApiError('JOB_NOT_FOUND')` needs nothing else.
 *
 * @example
 * throw new ApiError('JOB_NOT_FOUND', { message: 'Job job-abc123 not found' })
 */
export class ApiError<Code extends string = string> extends Error {
  readonly code: Code
  readonly status: number | undefined
  readonly details: Record<string, unknown> | undefined
  readonly field: string | undefined
  readonly retryAfter: number | undefined
  readonly headers: Record<string, string | number> | undefined
  readonly expose: boolean | undefined

  /**
   * Which errors capture a stack trace: `'server-errors'` (the default) skips it
   * for errors known to be 4xx when they are made, which are expected answers
   * whose stack nobody reads and whose capture is most of their cost; `'all'`
   * keeps it everywhere. 5xx errors and codes of unknown status always have one.
   */
  static stackTraces: 'server-errors' | 'all' = 'server-errors'

  /**
   * @param code - A code of the active catalog; with {@link Register} augmented, one of the registered codes.
   * @param options - Message, details, field, status, retryAfter, cause, headers, expose.
   */
  constructor (code: Code extends ErrorCode ? Code : ErrorCode, options?: ApiErrorOptions)
  constructor (code: Code, opts: ApiErrorOptions = {}, call?: typeof kFactoryCall, entry?: CatalogEntry, params?: Record<string, unknown>) {
    if (call !== kFactoryCall) {
      entry = undefined
      params = undefined
    }
    const message = opts.message ?? (entry === undefined ? code : renderTemplate(entry.message, params))
    const known = opts.status ?? entry?.status
    const skipStack = ApiError.stackTraces === 'server-errors' && known !== undefined && known < 500
    const limit = Error.stackTraceLimit
    if (skipStack) Error.stackTraceLimit = 0
    try {
      super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    } finally {
      if (skipStack) Error.stackTraceLimit = limit
    }
    this.name = 'ApiError'
    this.code = code
    this.status = known
    this.details = opts.details
    // A field-specific code (its catalog entry names the field) says so without being told; an explicit field wins.
    this.field = opts.field ?? entry?.field
    this.retryAfter = opts.retryAfter
    this.headers = opts.headers
    this.expose = opts.expose
    const internals: ApiErrorInternals = { entry, params, defaultMessage: opts.message === undefined }
    Object.defineProperty(this, kInternals, { value: internals })
  }

  get statusCode (): number | undefined {
    return this.status
  }

  // `instanceof ApiError` holds across duplicate copies of the package; subclasses keep the usual check.
  static override [Symbol.hasInstance] (value: unknown): boolean {
    return this === ApiError ? isApiError(value) : Function.prototype[Symbol.hasInstance].call(this, value)
  }

  get [kApiError] (): true {
    return true
  }
}

/**
 * For the handler, not exported from the package: the factory's entry and params
 * and whether the message is the catalog's. An ApiError from another copy of the
 * package answers through the same global symbol; a look-alike without it gets none.
 */
export function apiErrorInternals (err: ApiError): ApiErrorInternals {
  const internals = (err as unknown as Record<symbol, unknown>)[kInternals]
  return typeof internals === 'object' && internals !== null ? internals as ApiErrorInternals : noInternals
}

type FactoryConstructor = new <Code extends string>(code: Code, opts: ApiErrorOptions | undefined, call: typeof kFactoryCall, entry: CatalogEntry, params: Record<string, unknown> | undefined) => ApiError<Code>

/** True for an ApiError from any copy of this package. */
export function isApiError (value: unknown): value is ApiError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kApiError] === true
}

/** The names inside `{braces}` of a message template. */
export type TemplateParams<Message extends string> =
  Message extends `${string}{${infer Param}}${infer Rest}` ? Param | TemplateParams<Rest> : never

/** A factory's arguments: the template's params first (required when there are any), then options. */
export type FactoryArgs<Message extends string> =
  [TemplateParams<Message>] extends [never]
    ? [opts?: ApiErrorOptions]
    : [params: Record<TemplateParams<Message>, string | number>, opts?: ApiErrorOptions]

/** A function that makes the ApiError of one catalog code; its code, status and message stay literal types. */
export interface ErrorFactory<Code extends string, Message extends string, Status extends number = number> {
  (...args: FactoryArgs<Message>): ApiError<Code>
  readonly code: Code
  readonly status: Status
  readonly message: Message
}

/** The typed factories of a catalog, one per code. */
export type ErrorFactories<Spec extends CatalogSpec> = {
  readonly [Code in keyof Spec & string]: ErrorFactory<Code, Spec[Code]['message'], Spec[Code]['status']>
}

const templateParam = /\{([A-Za-z0-9_.-]+)\}/g

/** Fills `{name}` placeholders; a missing param leaves its placeholder. */
export function renderTemplate (template: string, params: Record<string, unknown> | undefined): string {
  if (params === undefined || !template.includes('{')) return template
  return template.replace(templateParam, (whole, name: string) => {
    const value = Object.hasOwn(params, name) ? params[name] : undefined
    return typeof value === 'string' || typeof value === 'number' ? String(value) : whole
  })
}

/** Builds one ApiError factory for a catalog entry. */
export function makeFactory<Code extends string, Message extends string, Status extends number = number> (code: Code, entry: CatalogEntry & { message: Message, status: Status }): ErrorFactory<Code, Message, Status> {
  const hasParams = templateParam.test(entry.message)
  templateParam.lastIndex = 0
  const factory = function (...args: unknown[]): ApiError<Code> {
    const params = hasParams ? args[0] as Record<string, unknown> | undefined : undefined
    const opts = (hasParams ? args[1] : args[0]) as ApiErrorOptions | undefined
    return new (ApiError as unknown as FactoryConstructor)(code, opts, kFactoryCall, entry, params)
  }
  Object.defineProperties(factory, {
    code: { value: code, enumerable: true },
    status: { value: entry.status, enumerable: true },
    message: { value: entry.message, enumerable: true },
    name: { value: code }
  })
  return factory as unknown as ErrorFactory<Code, Message, Status>
}
