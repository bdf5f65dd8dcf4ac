import { Type, type Static } from '@sinclair/typebox'
import fastJson from 'fast-json-stringify'
import type { ErrorRecord, Format } from '../record.js'

export const OpenAIErrorSchema = Type.Object({
  error: Type.Object({
    message: Type.String(),
    type: Type.String(),
    code: Type.String(),
    param: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({
      code: Type.String(),
      message: Type.String(),
      param: Type.Optional(Type.String())
    }))),
    doc_url: Type.Optional(Type.String())
  })
}, { $id: 'OpenAIError', additionalProperties: false })

export type OpenAIError = Static<typeof OpenAIErrorSchema>

// Compiled once, as Fastify does for response schemas: several times faster than JSON.stringify.
const serializeOpenAIError = fastJson(OpenAIErrorSchema) as (body: unknown) => string

/** The error types OpenAI's API answers with, by status, for codes whose catalog entry names none. */
export function openaiType (status: number): string {
  switch (status) {
    case 400: case 413: case 415: case 422: return 'invalid_request_error'
    case 401: return 'authentication_error'
    case 403: return 'permission_error'
    case 404: return 'not_found_error'
    case 409: return 'conflict_error'
    case 429: return 'rate_limit_error'
    default: return status >= 500 ? 'server_error' : 'invalid_request_error'
  }
}

export interface OpenAIFormatOptions {
  /** Add `error.errors`, the list of every validation violation. */
  violations?: boolean
  /** Add `error.doc_url`, the link to the code's page (the `docs` option), last. */
  docUrl?: boolean
}

/** `{ error: { message, type, code, param? } }`, as OpenAI-compatible clients parse it. */
export function createOpenAIFormat (opts: OpenAIFormatOptions = {}): Format {
  const withViolations = opts.violations === true
  const withDocUrl = opts.docUrl === true
  return {
    name: 'openai',
    contentType: 'application/json; charset=utf-8',
    serialize: serializeOpenAIError,
    build (record: ErrorRecord): OpenAIError {
      const error: OpenAIError['error'] = {
        message: record.message,
        type: record.type ?? openaiType(record.status),
        code: record.code
      }
      if (record.field !== undefined) error.param = record.field
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
