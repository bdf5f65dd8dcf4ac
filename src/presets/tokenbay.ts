import { defineErrors } from '../catalog.js'
import { tokenbay as data } from './data/tokenbay.js'
import type { Preset } from './preset.js'

/** The tokenbay preset: its data (`./data/tokenbay.ts`) and a typed factory per code. */
export const tokenbay: Preset<typeof data.catalog> = {
  ...data,
  errors: defineErrors(data.catalog)
}
