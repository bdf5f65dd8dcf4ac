import { Type, type Static } from '@sinclair/typebox'
import fastJson from 'fast-json-stringify'
import type { ErrorRecord, Format } from '../record.js'

export const EnvelopeErrorSchema = Type.Object({
  success: Type.Literal(false),
  data: Type.Optional(Type.Null()),
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    errors: Type.Optional(Type.Array(Type.Object({
      code: Type.String(),
      message: Type.String(),
      field: Type.Optional(Type.String())
    }))),
    doc_url: Type.Optional(Type.String())
  }),
  meta: Type.Object({
    request_id: Type.String(),
    timestamp: Type.Optional(Type.String({ format: 'date-time' }))
  })
}, { $id: 'EnvelopeError', additionalProperties: false })

export type EnvelopeError = Static<typeof EnvelopeErrorSchema>

// Compiled once, as Fastify does for response schemas: several times faster than JSON.stringify.
// fast-json-stringify writes required members before optional ones, so the shape with
// `data` gets a schema where it is required: it must stay second, as the document shows it.
const serializeEnvelopeError = fastJson(EnvelopeErrorSchema) as (body: unknown) => string
const serializeEnvelopeWithData = fastJson(Type.Object({
  ...EnvelopeErrorSchema.properties,
  data: Type.Null()
}, { additionalProperties: false })) as (body: unknown) => string

export interface EnvelopeFormatOptions {
  /** Include `"data": null` (the `sessions` document shows it). Default false. */
  data?: boolean
  /** Include `meta.timestamp`. Default true. */
  timestamp?: boolean
  /** Add `error.errors`, the list of every validation violation. */
  violations?: boolean
  /** `'always'` shows `error.details` on every error (`{}` when there are none). Default: only when there are some. */
  details?: 'always' | 'present'
  /** Add `error.doc_url`, the link to the code's page (the `docs` option), last. */
  docUrl?: boolean
}

/** `{ success: false, data?: null, error: { code, message, details? }, meta: { request_id, timestamp? } }` */
export function createEnvelopeFormat (opts: EnvelopeFormatOptions = {}): Format {
  const withData = opts.data === true
  const withTimestamp = opts.timestamp !== false
  const withViolations = opts.violations === true
  const alwaysDetails = opts.details === 'always'
  const withDocUrl = opts.docUrl === true
  return {
    name: 'envelope',
    contentType: 'application/json; charset=utf-8',
    serialize: withData ? serializeEnvelopeWithData : serializeEnvelopeError,
    build (record: ErrorRecord): EnvelopeError {
      const error: EnvelopeError['error'] = { code: record.code, message: record.message }
      if (record.details !== undefined) {
        error.details = record.details
        if (record.field !== undefined) {
          // The field is the error's own: it leads, and a `field` key of the details does not replace it.
          error.details = { field: record.field, ...record.details }
          error.details.field = record.field
        }
      } else if (record.field !== undefined) {
        // The field-level shape the envelope documents: which field, and what is wrong with it.
        error.details = { field: record.field, issue: record.issue ?? record.message }
      } else if (record.issue !== undefined) {
        // What was wrong with the request as a whole (a malformed body): the issue, with no field to name.
        error.details = { issue: record.issue }
      } else if (alwaysDetails) {
        error.details = {}
      }
      if (withViolations && record.violations !== undefined) {
        error.errors = record.violations.map(v => {
          const item: { code: string, message: string, field?: string } = { code: v.code, message: v.message }
          if (v.field !== undefined) item.field = v.field
          return item
        })
      }
      if (withDocUrl && record.docUrl !== undefined) error.doc_url = record.docUrl
      const meta: EnvelopeError['meta'] = { request_id: record.requestId }
      if (withTimestamp) meta.timestamp = record.timestamp
      return withData
        ? { success: false, data: null, error, meta }
        : { success: false, error, meta }
    }
  }
}
