import { aitbc } from './aitbc.js'
import { genai } from './genai.js'
import { problem } from './problem.js'
import { sessions } from './sessions.js'
import { tokenbay } from './tokenbay.js'

export type { Condition, ConditionTarget, FieldRules, Preset, PresetData, PresetSpec } from './preset.js'

/** Every preset, by the name the `preset` option takes: its data (`fastify-error-envelope/catalogs`) and its factories. */
export const presets = { aitbc, genai, sessions, tokenbay, problem } as const

export type PresetName = keyof typeof presets
