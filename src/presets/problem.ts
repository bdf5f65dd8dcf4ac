import { defineErrors } from '../catalog.js'
import { problem as data } from './data/problem.js'
import type { Preset } from './preset.js'

/** The problem preset: its data (`./data/problem.ts`) and a typed factory per code. */
export const problem: Preset<typeof data.catalog> = {
  ...data,
  errors: defineErrors(data.catalog)
}
