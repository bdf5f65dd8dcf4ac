import { codeTable } from './code-table.js'
import type { PresetData, PresetSpec } from '../preset.js'

/**
 * Seed 003, the sessions API's "Errors". Messages are its Description
 * column, resolutions its Action column; `retry` is its Retry guidance, and
 * for the codes that list leaves out, what the Action says ("Contact
 * support", "Create new session": do not retry; "Retry or other product": back off).
 */
const catalog = {
  AUTH_INVALID_KEY: { status: 401, message: 'Invalid API Key', resolution: 'Check key', category: 'auth', retryable: false, retry: 'do_not_retry' },
  AUTH_EXPIRED_TOKEN: { status: 401, message: 'JWT expired', resolution: 'Refresh token', category: 'auth', retryable: true, retry: 'refresh_and_retry' },
  AUTH_INSUFFICIENT_PERMISSION: { status: 403, message: 'Permission denied', resolution: 'Check scope', category: 'auth', retryable: false, retry: 'do_not_retry' },
  RATE_LIMIT_EXCEEDED: { status: 429, message: 'Too many requests', resolution: 'Back off; use Retry-After', category: 'rate_limit', retryable: true, retry: 'wait_retry_after' },
  ACCOUNT_DISABLED: { status: 403, message: 'Account disabled', resolution: 'Contact support', category: 'account', retryable: false, retry: 'do_not_retry' },
  INSUFFICIENT_BALANCE: { status: 402, message: 'Balance too low', resolution: 'Recharge', category: 'billing', retryable: false, retry: 'do_not_retry' },
  SESSION_NOT_FOUND: { status: 404, message: 'Session missing', resolution: 'Check session_id', category: 'session', retryable: false, retry: 'do_not_retry' },
  SESSION_EXPIRED: { status: 410, message: 'Session expired', resolution: 'Create new session', category: 'session', retryable: false, retry: 'do_not_retry' },
  SESSION_LIMIT_REACHED: { status: 429, message: 'Session limit', resolution: 'Terminate old sessions', category: 'session', retryable: false, retry: 'do_not_retry' },
  PRODUCT_NOT_FOUND: { status: 404, message: 'Product invalid', resolution: 'List products', category: 'product', retryable: false, retry: 'do_not_retry' },
  PRODUCT_OUT_OF_STOCK: { status: 409, message: 'Out of stock', resolution: 'Retry or other product', category: 'product', retryable: true, retry: 'exponential_backoff' },
  INVALID_REQUEST: { status: 400, message: 'Bad parameters', resolution: 'Fix request body', category: 'request', retryable: false, retry: 'do_not_retry' },
  IDEMPOTENCY_CONFLICT: { status: 409, message: 'Duplicate idempotency key', resolution: 'Use new key or reuse cached response', category: 'request', retryable: false, retry: 'do_not_retry' },
  BACKEND_ERROR: { status: 502, message: 'Backend failure', resolution: 'Retry with backoff', category: 'backend', retryable: true, retry: 'exponential_backoff' },
  BACKEND_TIMEOUT: { status: 504, message: 'Backend timeout', resolution: 'Retry', category: 'backend', retryable: true, retry: 'exponential_backoff' },
  INTERNAL_ERROR: { status: 500, message: 'Internal error', resolution: 'Contact support', category: 'internal', retryable: false, retry: 'do_not_retry' },
  // Not in the document, which has no code for these HTTP conditions.
  NOT_FOUND: { status: 404, message: 'Not found', resolution: 'Check the URL and method', category: 'request', retryable: false, retry: 'do_not_retry' },
  SERVICE_UNAVAILABLE: { status: 503, message: 'Service unavailable', resolution: 'Retry with backoff', category: 'backend', retryable: true, retry: 'exponential_backoff' }
} as const

const spec: PresetSpec<typeof catalog> = {
  name: 'sessions',
  source: 'sessions API "Errors"',
  catalog,
  documented: Object.keys(catalog).filter(code => code !== 'NOT_FOUND' && code !== 'SERVICE_UNAVAILABLE') as Array<keyof typeof catalog>,
  format: { name: 'envelope', envelope: { data: true, timestamp: false, details: 'always' } },
  validationMessage: 'specific',
  // "X-RateLimit-Reset: Window reset (Unix timestamp)"
  rateLimitReset: 'unix',
  conditions: {
    'validation.required': 'INVALID_REQUEST',
    'validation.type': 'INVALID_REQUEST',
    'validation.range': 'INVALID_REQUEST',
    'validation.format': 'INVALID_REQUEST',
    'validation.enum': 'INVALID_REQUEST',
    'validation.invalid': 'INVALID_REQUEST',
    notFound: 'NOT_FOUND',
    malformedBody: 'INVALID_REQUEST',
    emptyBody: 'INVALID_REQUEST',
    badHttp: 'INVALID_REQUEST',
    unsupportedMediaType: { code: 'INVALID_REQUEST', status: 415 },
    payloadTooLarge: { code: 'INVALID_REQUEST', status: 413 },
    clientError: 'INVALID_REQUEST',
    rateLimited: 'RATE_LIMIT_EXCEEDED',
    quotaExceeded: 'RATE_LIMIT_EXCEEDED',
    overloaded: 'SERVICE_UNAVAILABLE',
    maintenance: 'SERVICE_UNAVAILABLE',
    upstream: 'BACKEND_ERROR',
    upstreamTimeout: 'BACKEND_TIMEOUT',
    internal: 'INTERNAL_ERROR'
  },
  statusCodes: {
    400: 'INVALID_REQUEST',
    401: 'AUTH_INVALID_KEY',
    402: 'INSUFFICIENT_BALANCE',
    403: 'AUTH_INSUFFICIENT_PERMISSION',
    404: 'NOT_FOUND',
    429: 'RATE_LIMIT_EXCEEDED',
    500: 'INTERNAL_ERROR',
    502: 'BACKEND_ERROR',
    503: 'SERVICE_UNAVAILABLE',
    504: 'BACKEND_TIMEOUT'
  },
  fieldRules: {}
}

/** The sessions preset's data: no factories, safe for a browser bundle. */
export const sessions: PresetData<typeof catalog> = {
  ...spec,
  codes: codeTable(Object.fromEntries(spec.documented.map(code => [code, catalog[code]])))
}
