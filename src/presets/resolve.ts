import type { CatalogEntry, CatalogSpec } from '../catalog.js'
import type { FormatSpec } from '../formats/index.js'
import { optionError } from '../option-error.js'
import { presets, type PresetName } from './index.js'
import type { Condition, FieldRules, PresetSpec } from './preset.js'

/** A code with the status it is answered with and its catalog entry: what a record is built from. */
export interface ResolvedCondition {
  code: string
  status: number
  entry: CatalogEntry
}

/**
 * A preset with the user's codes and field rules merged in, every name looked
 * up: all that the handler, the docs, the docs pages and the CLI need of it.
 */
export interface ResolvedPreset {
  name: string
  /** The name of its document, as its users know it (the references print it). */
  source: string
  /** Codes its document lists; the rest of the catalog are the preset's or the user's additions. */
  documented: ReadonlySet<string>
  /** The preset's catalog with the user's `errors` over it, in that order. */
  catalog: Map<string, CatalogEntry>
  conditions: Record<Condition, ResolvedCondition>
  /** The preset's code for a status that foreign errors carry. */
  statusCodes: Map<number, ResolvedCondition>
  fieldRules: FieldRules
  validationMessage: 'specific' | 'catalog'
  /** The preset's own body format, as data: built into a Format by the options. */
  format: FormatSpec
  rateLimitReset: 'unix' | 'seconds'
}

function target (catalog: Map<string, CatalogEntry>, code: string, status?: number): ResolvedCondition {
  const entry = catalog.get(code)
  /* c8 ignore next -- a shipped preset's conditions and status codes name codes of its own catalog, and a user's errors only add to it */
  if (entry === undefined) throw new TypeError(`fastify-error-envelope: preset code '${code}' is not in the catalog`)
  return { code, status: status ?? entry.status, entry }
}

/**
 * Resolves a preset once: its catalog with `errors` merged over it, its field rules with
 * `fieldRules` merged over them, and every condition and status mapped onto a catalog entry.
 * `errors` and `fieldRules` are taken as checked in shape (see resolveOptions); a field rule
 * naming a code the merged catalog lacks throws a TypeError naming the option.
 *
 * @example
 * resolvePreset('genai').conditions.notFound // { code: 'ENDPOINT_NOT_FOUND', status: 404, entry: { … } }
 */
export function resolvePreset (preset: PresetName | PresetSpec, errors?: CatalogSpec, fieldRules?: FieldRules): ResolvedPreset {
  /* c8 ignore next -- every caller in the package passes a preset name; the spec form is for a preset's data held already */
  const spec: PresetSpec = typeof preset === 'string' ? presets[preset] : preset
  const catalog = new Map<string, CatalogEntry>(Object.entries(spec.catalog))
  if (errors !== undefined) {
    for (const [code, entry] of Object.entries(errors)) catalog.set(code, entry)
  }

  const rules: FieldRules = { ...spec.fieldRules }
  for (const [field, byKeyword] of Object.entries(fieldRules ?? {})) {
    for (const [keyword, code] of Object.entries(byKeyword)) {
      if (typeof code !== 'string' || !catalog.has(code)) {
        throw optionError(`validation.fieldRules.${field}.${keyword}`, 'a code of the active catalog', code)
      }
    }
    rules[field] = { ...rules[field], ...byKeyword }
  }

  const conditions = {} as Record<Condition, ResolvedCondition>
  for (const [condition, to] of Object.entries(spec.conditions)) {
    conditions[condition as Condition] = typeof to === 'string' ? target(catalog, to) : target(catalog, to.code, to.status)
  }
  const statusCodes = new Map<number, ResolvedCondition>()
  for (const [status, code] of Object.entries(spec.statusCodes)) {
    statusCodes.set(Number(status), target(catalog, code, Number(status)))
  }

  return {
    name: spec.name,
    source: spec.source,
    documented: new Set(spec.documented),
    catalog,
    conditions,
    statusCodes,
    fieldRules: rules,
    validationMessage: spec.validationMessage ?? 'specific',
    format: spec.format,
    rateLimitReset: spec.rateLimitReset ?? 'seconds'
  }
}
