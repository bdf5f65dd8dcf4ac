import { presets, type Condition, type PresetName } from '../../src/index.js'

// Reading any preset's answer the same way: what a condition maps to, and the code and message of a body.

export const presetNames: PresetName[] = ['aitbc', 'genai', 'sessions', 'tokenbay', 'problem']

export type Body = Record<string, any>

/** The code and status a condition answers with in a preset. */
export function target (preset: PresetName, condition: Condition): { code: string, status: number } {
  const spec = presets[preset].conditions[condition]
  if (typeof spec !== 'string') return spec
  return { code: spec, status: (presets[preset].catalog as Record<string, { status: number }>)[spec]?.status ?? -1 }
}

/** The code of a body of any preset's format. */
export function codeOf (body: Body): unknown {
  return body.error_code ?? body.error?.code ?? body.code
}

/** The message of a body of any format but problem (whose title is the status's). */
export function messageOf (body: Body): unknown {
  return body.detail ?? body.error?.message
}

/** The catalog message of a code of a preset. */
export function catalogMessage (preset: PresetName, code: string): string {
  return (presets[preset].catalog as Record<string, { message: string }>)[code]?.message as string
}
