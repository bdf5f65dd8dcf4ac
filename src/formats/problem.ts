import { Type, type Static } from '@sinclair/typebox'
import fastJson from 'fast-json-stringify'
import type { ErrorRecord, Format } from '../record.js'
import { reasonPhrase } from '../reason-phrases.js'

export const ProblemDetailsSchema = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer({ minimum: 400, maximum: 599 }),
  detail: Type.String(),
  instance: Type.String(),
  code: Type.String(),
  request_id: Type.String(),
  errors: Type.Optional(Type.Array(Type.Object({
    detail: Type.String(),
    code: Type.String(),
    field: Type.Optional(Type.String()),
    pointer: Type.Optional(Type.String()),
    parameter: Type.Optional(Type.String()),
    header: Type.Optional(Type.String())
  })))
}, { $id: 'ProblemDetails', additionalProperties: false })

export type ProblemDetails = Static<typeof ProblemDetailsSchema>

// Compiled once, as Fastify does for response schemas: several times faster than JSON.stringify.
const serializeProblemDetails = fastJson(ProblemDetailsSchema) as (body: unknown) => string

export interface ProblemFormatOptions {
  /**
   * Base URI of the problem types: `type` becomes base + the code in lower case
   * with dashes. Without it `type` is the link to the code's page when the
   * record has one (the `docs` option), otherwise `about:blank` with `title` the
   * HTTP status text, as RFC 9457 asks.
   */
  typeBase?: string
}

type ProblemItem = NonNullable<ProblemDetails['errors']>[number]

/**
 * Where a violation is, as RFC 9457 §3 words it: `pointer` is a JSON Pointer (RFC 6901, as a URI
 * fragment) into the request content only; a query or path parameter is named by `parameter`,
 * a header by `header` (docs/formats.md, "Problem details").
 */
function locate (item: ProblemItem, location: string | undefined, field: string): void {
  switch (location) {
    case 'querystring': case 'params':
      item.parameter = field
      return
    case 'headers':
      item.header = field
      return
    default:
      item.pointer = '#/' + field.split('.').map(s => s.replaceAll('~', '~0').replaceAll('/', '~1')).join('/')
  }
}

/** RFC 9457 problem details, `application/problem+json`, with `code`, `request_id` and `errors` members. */
export function createProblemFormat (opts: ProblemFormatOptions = {}): Format {
  const typeBase = opts.typeBase
  return {
    name: 'problem',
    contentType: 'application/problem+json',
    serialize: serializeProblemDetails,
    build (record: ErrorRecord): ProblemDetails {
      const statusText = reasonPhrase(record.status)
      // A type base names the problem types; without one, the code's page (the `docs` option) does.
      const type = typeBase === undefined ? record.docUrl : typeBase + record.code.toLowerCase().replaceAll('_', '-')
      const body: ProblemDetails = {
        type: type ?? 'about:blank',
        title: type === undefined ? statusText : (record.title ?? statusText),
        status: record.status,
        detail: record.message,
        instance: record.instance,
        code: record.code,
        request_id: record.requestId
      }
      if (record.violations === undefined && record.field !== undefined) {
        // One error about one field: the same `errors` member a validation failure carries, so clients read it in one place.
        body.errors = [{ detail: record.message, code: record.code, field: record.field }]
      } else if (record.violations !== undefined) {
        body.errors = record.violations.map(v => {
          const item: ProblemItem = { detail: v.message, code: v.code }
          if (v.field !== undefined) {
            item.field = v.field
            locate(item, v.location, v.field)
          }
          return item
        })
      }
      return body
    }
  }
}
