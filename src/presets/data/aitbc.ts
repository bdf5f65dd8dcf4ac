import { codeTable } from './code-table.js'
import type { PresetData, PresetSpec } from '../preset.js'

/**
 * Seed 001, "Error Codes and Handling" of the AITBC API. Messages are its
 * Description column, resolutions its Resolution column, retryable its
 * reference table; the nine codes that table leaves out take the retryability
 * their Resolution states ("Retry later", "Wait or use different miner").
 */
const catalog = {
  AUTH_MISSING_KEY: { status: 401, message: 'No API key provided', category: 'Auth', retryable: false, resolution: 'Include `X-Api-Key` header' },
  AUTH_INVALID_KEY: { status: 401, message: 'API key is invalid', category: 'Auth', retryable: false, resolution: 'Check API key is correct' },
  AUTH_EXPIRED_KEY: { status: 401, message: 'API key has expired', category: 'Auth', retryable: false, resolution: 'Generate new API key' },
  AUTH_INSUFFICIENT_SCOPE: { status: 403, message: 'Key lacks required permissions', category: 'Auth', retryable: false, resolution: 'Use key with correct scope' },
  JOB_NOT_FOUND: { status: 404, message: "Job doesn't exist", category: 'Job', retryable: false, resolution: 'Check job ID' },
  JOB_ALREADY_CLAIMED: { status: 409, message: 'Job claimed by another miner', category: 'Job', retryable: false, resolution: 'Request different job' },
  JOB_ALREADY_COMPLETED: { status: 409, message: 'Job already finished', category: 'Job', retryable: false, resolution: 'No action needed' },
  JOB_ALREADY_CANCELLED: { status: 409, message: 'Job was cancelled', category: 'Job', retryable: false, resolution: 'Submit new job' },
  JOB_EXPIRED: { status: 410, message: 'Job deadline passed', category: 'Job', retryable: false, resolution: 'Submit new job' },
  JOB_INVALID_STATUS: { status: 400, message: 'Invalid status transition', category: 'Job', retryable: false, resolution: 'Check job state' },
  VALIDATION_MISSING_FIELD: { status: 422, message: 'Required field missing', category: 'Validation', retryable: false, resolution: 'Include required field' },
  VALIDATION_INVALID_TYPE: { status: 422, message: 'Wrong field type', category: 'Validation', retryable: false, resolution: 'Use correct type' },
  VALIDATION_OUT_OF_RANGE: { status: 422, message: 'Value outside allowed range', category: 'Validation', retryable: false, resolution: 'Use value in range' },
  VALIDATION_INVALID_FORMAT: { status: 422, message: 'Wrong format (e.g., date)', category: 'Validation', retryable: false, resolution: 'Use correct format' },
  VALIDATION_PROMPT_TOO_LONG: { status: 422, message: 'Prompt exceeds limit', category: 'Validation', retryable: false, resolution: 'Shorten prompt' },
  VALIDATION_INVALID_MODEL: { status: 422, message: 'Model not supported', category: 'Validation', retryable: false, resolution: 'Use valid model' },
  MINER_NOT_FOUND: { status: 404, message: 'Miner not registered', category: 'Miner', retryable: false, resolution: 'Register miner first' },
  MINER_ALREADY_REGISTERED: { status: 409, message: 'Miner ID already exists', category: 'Miner', retryable: false, resolution: 'Use different ID' },
  MINER_OFFLINE: { status: 503, message: 'Miner not responding', category: 'Miner', retryable: true, resolution: 'Check miner status' },
  MINER_CAPACITY_FULL: { status: 503, message: 'Miner at max capacity', category: 'Miner', retryable: true, resolution: 'Wait or use different miner' },
  RECEIPT_NOT_FOUND: { status: 404, message: "Receipt doesn't exist", category: 'Receipt', retryable: false, resolution: 'Check receipt ID' },
  RECEIPT_INVALID_SIGNATURE: { status: 400, message: 'Signature verification failed', category: 'Receipt', retryable: false, resolution: 'Check receipt integrity' },
  RECEIPT_ALREADY_CLAIMED: { status: 409, message: 'Receipt already processed', category: 'Receipt', retryable: false, resolution: 'No action needed' },
  RATE_LIMIT_EXCEEDED: { status: 429, message: 'Too many requests', category: 'Rate', retryable: true, resolution: 'Wait and retry', retryMessage: 'Rate limit exceeded. Retry after {retry_after} seconds' },
  RATE_QUOTA_EXCEEDED: { status: 429, message: 'Daily/monthly quota hit', category: 'Rate', retryable: false, resolution: 'Upgrade plan or wait' },
  PAYMENT_INSUFFICIENT_BALANCE: { status: 402, message: 'Not enough AITBC', category: 'Payment', retryable: false, resolution: 'Top up balance' },
  PAYMENT_FAILED: { status: 500, message: 'Payment processing error', category: 'Payment', retryable: true, resolution: 'Retry or contact support' },
  SYSTEM_INTERNAL_ERROR: { status: 500, message: 'Unexpected server error', category: 'System', retryable: true, resolution: 'Retry or report bug' },
  SYSTEM_MAINTENANCE: { status: 503, message: 'Scheduled maintenance', category: 'System', retryable: true, resolution: 'Wait for maintenance to end' },
  SYSTEM_OVERLOADED: { status: 503, message: 'System at capacity', category: 'System', retryable: true, resolution: 'Retry with backoff' },
  SYSTEM_UPSTREAM_ERROR: { status: 502, message: 'Dependency failure', category: 'System', retryable: true, resolution: 'Retry later' },
  // Not in the document, which has no code for these HTTP conditions; their
  // messages are the document's "When Used" column where it has one.
  BAD_REQUEST: { status: 400, message: 'Invalid input', category: 'Request', retryable: false, resolution: 'Fix the request' },
  NOT_FOUND: { status: 404, message: "Resource doesn't exist", category: 'Request', retryable: false, resolution: 'Check the URL and method' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'Request body is too large', category: 'Request', retryable: false, resolution: 'Send a smaller body' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Unsupported content type', category: 'Request', retryable: false, resolution: 'Send application/json' }
} as const

const spec: PresetSpec<typeof catalog> = {
  name: 'aitbc',
  source: 'AITBC "Error Codes and Handling"',
  catalog,
  documented: Object.keys(catalog).filter(code => !['BAD_REQUEST', 'NOT_FOUND', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'].includes(code)) as Array<keyof typeof catalog>,
  format: { name: 'flat' },
  conditions: {
    'validation.required': 'VALIDATION_MISSING_FIELD',
    'validation.type': 'VALIDATION_INVALID_TYPE',
    'validation.range': 'VALIDATION_OUT_OF_RANGE',
    'validation.format': 'VALIDATION_INVALID_FORMAT',
    'validation.enum': 'VALIDATION_OUT_OF_RANGE',
    'validation.invalid': 'VALIDATION_INVALID_FORMAT',
    notFound: 'NOT_FOUND',
    malformedBody: 'BAD_REQUEST',
    emptyBody: 'BAD_REQUEST',
    badHttp: 'BAD_REQUEST',
    unsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
    payloadTooLarge: 'PAYLOAD_TOO_LARGE',
    clientError: 'BAD_REQUEST',
    rateLimited: 'RATE_LIMIT_EXCEEDED',
    quotaExceeded: 'RATE_QUOTA_EXCEEDED',
    overloaded: 'SYSTEM_OVERLOADED',
    maintenance: 'SYSTEM_MAINTENANCE',
    upstream: 'SYSTEM_UPSTREAM_ERROR',
    upstreamTimeout: { code: 'SYSTEM_UPSTREAM_ERROR', status: 504 },
    internal: 'SYSTEM_INTERNAL_ERROR'
  },
  statusCodes: {
    400: 'BAD_REQUEST',
    401: 'AUTH_INVALID_KEY',
    402: 'PAYMENT_INSUFFICIENT_BALANCE',
    403: 'AUTH_INSUFFICIENT_SCOPE',
    404: 'NOT_FOUND',
    413: 'PAYLOAD_TOO_LARGE',
    415: 'UNSUPPORTED_MEDIA_TYPE',
    422: 'VALIDATION_INVALID_FORMAT',
    429: 'RATE_LIMIT_EXCEEDED',
    500: 'SYSTEM_INTERNAL_ERROR',
    502: 'SYSTEM_UPSTREAM_ERROR',
    503: 'SYSTEM_OVERLOADED'
  },
  fieldRules: {
    prompt: { maxLength: 'VALIDATION_PROMPT_TOO_LONG' },
    model: { enum: 'VALIDATION_INVALID_MODEL', const: 'VALIDATION_INVALID_MODEL' }
  }
}

/** The aitbc preset's data: no factories, safe for a browser bundle. */
export const aitbc: PresetData<typeof catalog> = {
  ...spec,
  codes: codeTable(Object.fromEntries(spec.documented.map(code => [code, catalog[code]])))
}
