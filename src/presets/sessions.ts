import { defineErrors } from '../catalog.js'
import { sessions as data } from './data/sessions.js'
import type { Preset } from './preset.js'

/** The sessions preset: its data (`./data/sessions.ts`) and a typed factory per code. */
export const sessions: Preset<typeof data.catalog> = {
  ...data,
  errors: defineErrors(data.catalog)
}
