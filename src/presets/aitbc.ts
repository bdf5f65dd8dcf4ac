import { defineErrors } from '../catalog.js'
import { aitbc as data } from './data/aitbc.js'
import type { Preset } from './preset.js'

/** The aitbc preset: its data (`./data/aitbc.ts`) and a typed factory per code. */
export const aitbc: Preset<typeof data.catalog> = {
  ...data,
  errors: defineErrors(data.catalog)
}
