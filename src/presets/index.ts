import { aitbc } from './aitbc.js'
import { problem } from './problem.js'

export type { Condition, ConditionTarget, FieldRules, Preset, PresetSpec } from './preset.js'

/** Every preset, by the name the `preset` option takes. */
export const presets = { aitbc, problem } as const

export type PresetName = keyof typeof presets
