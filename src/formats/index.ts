import type { Format } from '../record.js'
import { createEnvelopeFormat, EnvelopeErrorSchema, type EnvelopeFormatOptions } from './envelope.js'
import { createFlatFormat, FlatErrorSchema } from './flat.js'
import { createOpenAIFormat, OpenAIErrorSchema, type OpenAIFormatOptions } from './openai.js'
import { createProblemFormat, ProblemDetailsSchema, type ProblemFormatOptions } from './problem.js'

export { createFlatFormat, FlatErrorSchema, type FlatError } from './flat.js'
export { createEnvelopeFormat, EnvelopeErrorSchema, type EnvelopeError } from './envelope.js'
export { createOpenAIFormat, OpenAIErrorSchema, openaiType, type OpenAIError } from './openai.js'
export { createProblemFormat, ProblemDetailsSchema, type ProblemDetails } from './problem.js'

export const formatNames = ['flat', 'envelope', 'openai', 'problem'] as const
export type FormatName = typeof formatNames[number]

/** How a preset wants a built-in format shaped. */
export interface FormatSpec {
  name: FormatName
  envelope?: Omit<EnvelopeFormatOptions, 'violations'>
  openai?: Pick<OpenAIFormatOptions, 'param'>
  problem?: ProblemFormatOptions
}

/**
 * Builds a built-in format; `violations` adds the list of every violation where it is opt-in,
 * `docUrl` the `doc_url` member (the `problem` format links its `type` instead).
 */
export function buildFormat (spec: FormatSpec, violations: boolean, docUrl = false): Format {
  switch (spec.name) {
    case 'flat': return createFlatFormat({ violations, docUrl })
    case 'envelope': return createEnvelopeFormat({ ...spec.envelope, violations, docUrl })
    case 'openai': return createOpenAIFormat({ ...spec.openai, violations, docUrl })
    case 'problem': return createProblemFormat(spec.problem)
  }
}

const jsonMediaType = /^[^;]*[/+]json\s*(?:;|$)/i

/**
 * How a format without `serialize` turns its body into text: JSON for a JSON content type
 * (`application/json`, `…+json`); for any other, a string body as it is and anything else as JSON.
 */
export function defaultSerializer (contentType: string): (body: unknown) => string {
  return jsonMediaType.test(contentType) ? JSON.stringify : textOrJson
}

function textOrJson (body: unknown): string {
  return typeof body === 'string' ? body : JSON.stringify(body)
}

/** The schema of each built-in format's body, `$id` included: what route error responses refer to. */
export const formatSchemas = {
  flat: FlatErrorSchema,
  envelope: EnvelopeErrorSchema,
  openai: OpenAIErrorSchema,
  problem: ProblemDetailsSchema
} as const
