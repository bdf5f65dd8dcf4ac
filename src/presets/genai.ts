import { defineErrors } from '../catalog.js'
import { genai as data } from './data/genai.js'
import type { Preset } from './preset.js'

/** The genai preset: its data (`./data/genai.ts`) and a typed factory per code. */
export const genai: Preset<typeof data.catalog> = {
  ...data,
  errors: defineErrors(data.catalog)
}
