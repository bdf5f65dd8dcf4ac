import type { CatalogName } from '../catalogs.js'
import type { ErrorBodyFormat } from './error.js'

// Recognises the plugin's four body formats by their members and reads them into one shape.

/** What a body says, once its format is recognised. */
export interface Shape {
  format: ErrorBodyFormat
  code?: string | undefined
  message?: string | undefined
  requestId?: string | undefined
  details?: Record<string, unknown> | undefined
  field?: string | undefined
  docUrl?: string | undefined
  /** Seconds, from the body. */
  retryAfter?: number | undefined
  /** The presets whose catalog to ask first about the code. */
  lookup?: readonly CatalogName[]
}

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function str (value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

function seconds (value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined
}

/** The members of `obj` beyond the `known` ones, or undefined when there are none. */
function rest (obj: Record<string, unknown>, known: readonly string[]): Record<string, unknown> | undefined {
  const extra = Object.entries(obj).filter(([key]) => !known.includes(key))
  return extra.length === 0 ? undefined : Object.fromEntries(extra)
}

const flatMembers = ['detail', 'error_code', 'request_id', 'field', 'retry_after', 'doc_url']
const openaiMembers = ['message', 'type', 'code', 'param', 'doc_url']
const problemMembers = ['type', 'title', 'status', 'detail', 'instance', 'code', 'request_id', 'retry_after']

/** Recognises one of the four formats by its members. */
export function shapeOf (body: unknown): Shape {
  if (!isObject(body)) return { format: 'unknown' }
  const error = body.error
  if (body.success === false && isObject(error)) {
    const details = isObject(error.details) ? error.details : undefined
    const meta = isObject(body.meta) ? body.meta : {}
    return {
      format: 'envelope',
      code: str(error.code),
      message: str(error.message),
      requestId: str(meta.request_id),
      details,
      field: str(details?.field),
      docUrl: str(error.doc_url),
      // `data: null` is the sessions document's envelope; without it, the GenAI one.
      lookup: 'data' in body ? ['sessions', 'genai'] : ['genai', 'sessions']
    }
  }
  if (isObject(error) && typeof error.message === 'string') {
    // OpenAI itself sends `code: null` for some errors; its `type` says what they are.
    return { format: 'openai', code: str(error.code) ?? str(error.type), message: error.message, field: str(error.param), docUrl: str(error.doc_url), details: rest(error, openaiMembers), lookup: ['tokenbay'] }
  }
  if (typeof body.status === 'number' && typeof body.title === 'string') {
    const first = Array.isArray(body.errors) && isObject(body.errors[0]) ? body.errors[0] : {}
    return {
      format: 'problem',
      code: str(body.code),
      message: str(body.detail) ?? body.title,
      requestId: str(body.request_id),
      details: rest(body, problemMembers),
      field: str(first.field),
      // RFC 9457: a `type` other than about:blank identifies the problem and should lead to its documentation.
      docUrl: body.type === 'about:blank' ? undefined : str(body.type),
      retryAfter: seconds(body.retry_after),
      lookup: ['problem']
    }
  }
  if (typeof body.error_code === 'string' && typeof body.detail === 'string') {
    return {
      format: 'flat',
      code: body.error_code,
      message: body.detail,
      requestId: str(body.request_id),
      details: rest(body, flatMembers),
      field: str(body.field),
      docUrl: str(body.doc_url),
      retryAfter: seconds(body.retry_after),
      lookup: ['aitbc']
    }
  }
  return { format: 'unknown' }
}
