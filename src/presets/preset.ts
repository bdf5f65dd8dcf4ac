import type { CatalogSpec, CodeRow } from '../catalog.js'
import type { ErrorFactories } from '../errors.js'
import type { FormatSpec } from '../formats/index.js'

/**
 * The conditions the framework raises itself, which every preset maps onto a
 * code of its own document.
 */
export type Condition =
  | 'validation.required' | 'validation.type' | 'validation.range' | 'validation.format'
  | 'validation.enum' | 'validation.invalid'
  | 'notFound' | 'malformedBody' | 'emptyBody' | 'unsupportedMediaType' | 'payloadTooLarge'
  | 'badHttp' | 'clientError'
  | 'rateLimited' | 'quotaExceeded' | 'overloaded' | 'maintenance' | 'upstream' | 'upstreamTimeout'
  | 'internal'

/** A condition's code, and the status when it differs from the code's catalog status. */
export type ConditionTarget = string | { code: string, status: number }

/** Field name → validator keyword (or `*` for any) → code, for field-specific codes. */
export type FieldRules = Record<string, Record<string, string>>

/** A preset is data: its catalog, its format and its condition map. */
export interface PresetSpec<Spec extends CatalogSpec = CatalogSpec> {
  name: string
  /** The name of its document, as its users know it (the references print it). */
  source: string
  catalog: Spec
  /** Codes of the catalog that its document lists; the rest are this preset's additions. */
  documented: ReadonlyArray<keyof Spec & string>
  format: FormatSpec
  conditions: Record<Condition, ConditionTarget>
  /** Codes for statuses that foreign errors (http-errors, Boom, …) carry. */
  statusCodes: Record<number, string>
  fieldRules: FieldRules
  /**
   * The message of a validation failure: `specific` says what is wrong
   * (`Field 'prompt' is required`); `catalog` keeps the code's catalog message
   * and puts the specific text in the record's `issue` (genai's `details.issue`).
   * Default `specific`.
   */
  validationMessage?: 'specific' | 'catalog'
  /** How its document states `X-RateLimit-Reset`: a Unix timestamp or seconds from now. Default `seconds`. */
  rateLimitReset?: 'unix' | 'seconds'
}

/** A preset's data: its spec and code table, without factories (what `fastify-error-envelope/catalogs` exports). */
export interface PresetData<Spec extends CatalogSpec = CatalogSpec> extends PresetSpec<Spec> {
  /** The code table of the preset's document: code, status, message, category, retryable. */
  codes: CodeRow[]
}

/** What `presets.<name>` exposes: the data and a typed factory per code. */
export interface Preset<Spec extends CatalogSpec = CatalogSpec> extends PresetData<Spec> {
  /** A typed factory per code. */
  errors: ErrorFactories<Spec>
}
