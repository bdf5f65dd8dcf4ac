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

export type { CatalogEntry, CatalogSpec, CodeRow, RetryGuidance } from './catalog.js'
export type { Condition, ConditionTarget, FieldRules, PresetData, PresetSpec } from './presets/preset.js'

/** Every preset's data, by the name the `preset` option takes. */
export const catalogs = { aitbc, genai, sessions, tokenbay, problem } as const

/** A preset's name. */
export type CatalogName = keyof typeof catalogs
