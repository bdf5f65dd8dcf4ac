import { codeTable } from './code-table.js'
import type { PresetData, PresetSpec } from '../preset.js'

/**
 * Seed 004, TokenBay Gateway's "Errors": OpenAI-compatible bodies whose
 * `type` is the error category. Business codes and messages are its Business
 * Error Codes table; the lower-case codes after them stand for its HTTP
 * Status Code Conventions table, which names the conditions but no codes.
 */
const catalog = {
  api_key_disabled: { status: 403, message: 'API key is disabled', category: 'permission_error', type: 'permission_error', retryable: false },
  api_key_expired: { status: 403, message: 'API key has expired', category: 'permission_error', type: 'permission_error', retryable: false },
  api_key_unavailable: { status: 403, message: 'API key status is unavailable', category: 'permission_error', type: 'permission_error', retryable: false },
  ip_denied_by_blacklist: { status: 403, message: 'Source IP matched the blacklist', category: 'permission_error', type: 'permission_error', retryable: false },
  ip_not_in_whitelist: { status: 403, message: 'Source IP is not in the whitelist', category: 'permission_error', type: 'permission_error', retryable: false },
  model_disabled: { status: 403, message: 'Model is disabled', category: 'permission_error', type: 'permission_error', retryable: false },
  model_capability_not_supported: { status: 403, message: 'Model does not support the requested endpoint capability', category: 'permission_error', type: 'permission_error', retryable: false },
  api_key_model_not_allowed: { status: 403, message: 'API key model allowlist or denylist does not permit this model', category: 'permission_error', type: 'permission_error', retryable: false },
  account_point_insufficient: { status: 403, message: 'Account point balance is insufficient', category: 'insufficient_quota', type: 'insufficient_quota', retryable: false },
  api_key_point_insufficient: { status: 403, message: 'API key sub-quota is insufficient', category: 'insufficient_quota', type: 'insufficient_quota', retryable: false },
  access_rule_time_window_denied: { status: 403, message: 'Request is outside the allowed access-rule time window', category: 'permission_error', type: 'permission_error', retryable: false },
  model_not_found: { status: 404, message: 'Model does not exist', category: 'not_found_error', type: 'not_found_error', retryable: false },
  account_rate_limited: { status: 429, message: 'Account request rate limit exceeded', category: 'rate_limit_error', type: 'rate_limit_error', retryable: true },
  api_key_point_limit_exceeded: { status: 429, message: 'API key periodic point limit exceeded', category: 'insufficient_quota', type: 'insufficient_quota', retryable: false },
  // The HTTP Status Code Conventions table: its Meaning column as the message.
  invalid_request: { status: 400, message: 'Client Request Error', category: 'invalid_request_error', type: 'invalid_request_error', retryable: false },
  invalid_api_key: { status: 401, message: 'Authentication Failed', category: 'authentication_error', type: 'authentication_error', retryable: false },
  permission_denied: { status: 403, message: 'Insufficient Permissions', category: 'permission_error', type: 'permission_error', retryable: false },
  not_found: { status: 404, message: 'Resource Not Found', category: 'not_found_error', type: 'not_found_error', retryable: false },
  payload_too_large: { status: 413, message: 'Payload Too Large', category: 'invalid_request_error', type: 'invalid_request_error', retryable: false },
  rate_limited: { status: 429, message: 'Rate Limited', category: 'rate_limit_error', type: 'rate_limit_error', retryable: true },
  internal_error: { status: 500, message: 'Internal Server Error', category: 'server_error', type: 'server_error', retryable: true },
  not_implemented: { status: 501, message: 'Not Implemented', category: 'server_error', type: 'server_error', retryable: false },
  bad_gateway: { status: 502, message: 'Bad Gateway', category: 'upstream_error', type: 'upstream_error', retryable: true },
  service_unavailable: { status: 503, message: 'Service Unavailable', category: 'server_error', type: 'server_error', retryable: true },
  upstream_timeout: { status: 504, message: 'Upstream Timeout', category: 'upstream_error', type: 'upstream_error', retryable: true }
} as const

const businessCodes = Object.keys(catalog).slice(0, 14) as Array<keyof typeof catalog>

const spec: PresetSpec<typeof catalog> = {
  name: 'tokenbay',
  source: 'TokenBay Gateway "Errors"',
  catalog,
  documented: businessCodes,
  // Its document lists message, type and code only: `param` is sent when a field applies, never as null.
  format: { name: 'openai', openai: { param: 'omit' } },
  validationMessage: 'specific',
  conditions: {
    'validation.required': 'invalid_request',
    'validation.type': 'invalid_request',
    'validation.range': 'invalid_request',
    'validation.format': 'invalid_request',
    'validation.enum': 'invalid_request',
    'validation.invalid': 'invalid_request',
    notFound: 'not_found',
    malformedBody: 'invalid_request',
    emptyBody: 'invalid_request',
    badHttp: 'invalid_request',
    unsupportedMediaType: { code: 'invalid_request', status: 415 },
    payloadTooLarge: 'payload_too_large',
    clientError: 'invalid_request',
    rateLimited: 'account_rate_limited',
    quotaExceeded: 'api_key_point_limit_exceeded',
    overloaded: 'service_unavailable',
    maintenance: 'service_unavailable',
    upstream: 'bad_gateway',
    upstreamTimeout: 'upstream_timeout',
    internal: 'internal_error'
  },
  statusCodes: {
    400: 'invalid_request',
    401: 'invalid_api_key',
    403: 'permission_denied',
    404: 'not_found',
    413: 'payload_too_large',
    429: 'rate_limited',
    500: 'internal_error',
    501: 'not_implemented',
    502: 'bad_gateway',
    503: 'service_unavailable',
    504: 'upstream_timeout'
  },
  fieldRules: {
    model: { enum: 'model_not_found', const: 'model_not_found' }
  }
}

/** The tokenbay preset's data: no factories, safe for a browser bundle. */
export const tokenbay: PresetData<typeof catalog> = {
  ...spec,
  codes: codeTable(Object.fromEntries(businessCodes.map(code => [code, catalog[code]])))
}
