import { Type, type Static } from '@sinclair/typebox'
import fastJson from 'fast-json-stringify'
import type { ErrorRecord, Format } from '../record.js'

// OpenAI's spec (openai/openai-openapi `Error`): `param` and `code` are required and nullable.
// A type list, not `anyOf`: fast-json-stringify writes `anyOf` members after the others.
const nullableString = Type.Unsafe<string | null>({ type: ['string', 'null'] })
const errorMembers = {
  message: Type.String(),
  type: Type.String(),
  param: Type.Optional(nullableString),
  code: Type.String(),
  errors: Type.Optional(Type.Array(Type.Object({
    code: Type.String(),
    message: Type.String(),
    param: Type.Optional(Type.String())
  }))),
  doc_url: Type.Optional(Type.String())
}

/**
 * The body of the `openai` format. `param` is optional here because a document that lists no
 * `param` (the tokenbay preset) sends it only when a field applies; the `openai` format itself
 * always sends it, `null` when no field applies.
 */
export const OpenAIErrorSchema = Type.Object({
  error: Type.Object(errorMembers)
}, { $id: 'OpenAIError', additionalProperties: false })

export type OpenAIError = Static<typeof OpenAIErrorSchema>

// Compiled once, as Fastify does for response schemas: several times faster than JSON.stringify.
// fast-json-stringify writes required members first: with `param` required it keeps OpenAI's order.
const serializeOpenAIError = fastJson(Type.Object({ error: Type.Object({ ...errorMembers, param: nullableString }) })) as (body: unknown) => string
const serializeWithoutParam = fastJson(OpenAIErrorSchema) as (body: unknown) => string

/**
 * The `type` OpenAI's API answers with, by status, for codes whose catalog entry names none
 * (docs/formats.md, "The openai format"): every 4xx but 429 is `invalid_request_error` (OpenAI's
 * 401 `invalid_api_key` and 404 `model_not_found` included), 429 is `requests` (its rate limits),
 * 5xx `server_error`.
 */
export function openaiType (status: number): string {
  if (status >= 500) return 'server_error'
  return status === 429 ? 'requests' : 'invalid_request_error'
}

export interface OpenAIFormatOptions {
  /** Add `error.errors`, the list of every validation violation. */
  violations?: boolean
  /** Add `error.doc_url`, the link to the code's page (the `docs` option), last. */
  docUrl?: boolean
  /**
   * `param` when no field applies: `null`, as OpenAI's spec and API send it (default), or `'omit'`
   * for a document that lists no `param` member (the tokenbay preset).
   */
  param?: 'null' | 'omit'
}

/** `{ error: { message, type, param, code } }`, OpenAI's error object, as its SDKs parse it. */
export function createOpenAIFormat (opts: OpenAIFormatOptions = {}): Format {
  const withViolations = opts.violations === true
  const withDocUrl = opts.docUrl === true
  const nullParam = opts.param !== 'omit'
  return {
    name: 'openai',
    contentType: 'application/json; charset=utf-8',
    serialize: nullParam ? serializeOpenAIError : serializeWithoutParam,
    build (record: ErrorRecord): OpenAIError {
      const type = record.type ?? openaiType(record.status)
      // OpenAI's member order: message, type, param, code. Without `null` (tokenbay) `param` comes
      // last, as it always has: the serializer writes required members first.
      const error: OpenAIError['error'] = nullParam
        ? { message: record.message, type, param: record.field ?? null, code: record.code }
        : { message: record.message, type, code: record.code }
      if (!nullParam && record.field !== undefined) error.param = record.field
      if (withViolations && record.violations !== undefined) {
        error.errors = record.violations.map(v => {
          const item: { code: string, message: string, param?: string } = { code: v.code, message: v.message }
          if (v.field !== undefined) item.param = v.field
          return item
        })
      }
      if (withDocUrl && record.docUrl !== undefined) error.doc_url = record.docUrl
      return { error }
    }
  }
}
