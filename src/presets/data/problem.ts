import { codeTable } from './code-table.js'
import type { PresetData, PresetSpec } from '../preset.js'

/** A generic catalog for RFC 9457 problem details: one code per HTTP condition, titled by its status text. */
const catalog = {
  BAD_REQUEST: { status: 400, message: 'The request is invalid', title: 'Bad Request', category: 'request', retryable: false },
  UNAUTHORIZED: { status: 401, message: 'Authentication is required', title: 'Unauthorized', category: 'auth', retryable: false },
  PAYMENT_REQUIRED: { status: 402, message: 'Payment is required', title: 'Payment Required', category: 'billing', retryable: false },
  FORBIDDEN: { status: 403, message: 'Access to this resource is denied', title: 'Forbidden', category: 'auth', retryable: false },
  NOT_FOUND: { status: 404, message: 'The resource was not found', title: 'Not Found', category: 'request', retryable: false },
  METHOD_NOT_ALLOWED: { status: 405, message: 'The method is not allowed for this resource', title: 'Method Not Allowed', category: 'request', retryable: false },
  CONFLICT: { status: 409, message: 'The request conflicts with the current state of the resource', title: 'Conflict', category: 'request', retryable: false },
  GONE: { status: 410, message: 'The resource is no longer available', title: 'Gone', category: 'request', retryable: false },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large', title: 'Content Too Large', category: 'request', retryable: false },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'The content type is not supported', title: 'Unsupported Media Type', category: 'request', retryable: false },
  VALIDATION_FAILED: { status: 422, message: 'The request did not pass validation', title: 'Unprocessable Content', category: 'validation', retryable: false },
  RATE_LIMITED: { status: 429, message: 'Too many requests', title: 'Too Many Requests', category: 'rate_limit', retryable: true, retryMessage: 'Too many requests; retry after {retry_after} seconds' },
  QUOTA_EXCEEDED: { status: 429, message: 'The usage quota is exhausted', title: 'Too Many Requests', category: 'rate_limit', retryable: false },
  INTERNAL_ERROR: { status: 500, message: 'An unexpected error occurred', title: 'Internal Server Error', category: 'server', retryable: true },
  NOT_IMPLEMENTED: { status: 501, message: 'This operation is not implemented', title: 'Not Implemented', category: 'server', retryable: false },
  BAD_GATEWAY: { status: 502, message: 'An upstream service failed', title: 'Bad Gateway', category: 'server', retryable: true },
  SERVICE_UNAVAILABLE: { status: 503, message: 'The service is temporarily unavailable', title: 'Service Unavailable', category: 'server', retryable: true },
  GATEWAY_TIMEOUT: { status: 504, message: 'An upstream service timed out', title: 'Gateway Timeout', category: 'server', retryable: true }
} as const

const spec: PresetSpec<typeof catalog> = {
  name: 'problem',
  source: 'RFC 9457, Problem Details for HTTP APIs',
  catalog,
  documented: Object.keys(catalog) as Array<keyof typeof catalog>,
  format: { name: 'problem' },
  conditions: {
    'validation.required': 'VALIDATION_FAILED',
    'validation.type': 'VALIDATION_FAILED',
    'validation.range': 'VALIDATION_FAILED',
    'validation.format': 'VALIDATION_FAILED',
    'validation.enum': 'VALIDATION_FAILED',
    'validation.invalid': 'VALIDATION_FAILED',
    notFound: 'NOT_FOUND',
    malformedBody: 'BAD_REQUEST',
    emptyBody: 'BAD_REQUEST',
    badHttp: 'BAD_REQUEST',
    unsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
    payloadTooLarge: 'PAYLOAD_TOO_LARGE',
    clientError: 'BAD_REQUEST',
    rateLimited: 'RATE_LIMITED',
    quotaExceeded: 'QUOTA_EXCEEDED',
    overloaded: 'SERVICE_UNAVAILABLE',
    maintenance: 'SERVICE_UNAVAILABLE',
    upstream: 'BAD_GATEWAY',
    upstreamTimeout: 'GATEWAY_TIMEOUT',
    internal: 'INTERNAL_ERROR'
  },
  statusCodes: Object.fromEntries(Object.entries(catalog)
    .filter(([code]) => code !== 'QUOTA_EXCEEDED')
    .map(([code, entry]) => [entry.status, code])),
  fieldRules: {}
}

/** The problem preset's data: no factories, safe for a browser bundle. */
export const problem: PresetData<typeof catalog> = {
  ...spec,
  codes: codeTable(catalog)
}
