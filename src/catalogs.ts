/**
 * `fastify-error-envelope/catalogs`: every preset's data — its catalog, code
 * table, condition map and format — as plain objects, without `ApiError`, the
 * factories or anything of Fastify, so a browser bundle can carry it.
 * `presets.<name>` of the main entry is the same data plus `errors`.
 *
 * @example
 * import { catalogs } from 'fastify-error-envelope/catalogs'
 *
 * const row = catalogs.aitbc.codes.find(row => row.code === 'JOB_EXPIRED')
 * console.log(row?.status, row?.message) // 410 'Job deadline passed'
 */
import { aitbc } from './presets/data/aitbc.js'
import { genai } from './presets/data/genai.js'
import { problem } from './presets/data/problem.js'
import { sessions } from './presets/data/sessions.js'
import { tokenbay } from './presets/data/tokenbay.js'

import type { CatalogSpec } from './catalog.js'

export type { CatalogEntry, CatalogSpec, CodeRow, RetryGuidance } from './catalog.js'
export type { Condition, ConditionTarget, FieldRules, PresetData, PresetSpec } from './presets/preset.js'

/** Every preset's data, by the name the `preset` option takes. */
export const catalogs = { aitbc, genai, sessions, tokenbay, problem } as const

/** A preset's name. */
export type CatalogName = keyof typeof catalogs

/**
 * Declares a catalog as plain data, the form a browser may import: its codes, statuses and
 * messages stay literal types. Give the same object to `defineErrors()` on the server and to
 * `parseApiError(response, { catalog })` on the client, which types the error's code with it.
 * It returns its argument: the server checks the catalog when `defineErrors()` reads it.
 *
 * @example
 * // errors-catalog.ts: imported by the server and by the browser
 * import { defineCatalog } from 'fastify-error-envelope/catalogs'
 *
 * export const catalog = defineCatalog({
 *   JOB_NOT_FOUND: { status: 404, message: 'Job {job_id} not found', category: 'Job' },
 *   JOB_LOCKED: { status: 423, message: 'Job is locked', retryable: true }
 * })
 */
export function defineCatalog<const Spec extends CatalogSpec> (spec: Spec): Spec {
  return spec
}
