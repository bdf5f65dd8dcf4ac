import { codeTable } from './code-table.js'
import type { PresetData, PresetSpec } from '../preset.js'

/**
 * Seed 002, the GenAI API's "Error Codes". Statuses come from its section
 * headings, messages from its Message column, descriptions from its
 * Description column. Its retry advice: never retry a 4xx, back off
 * exponentially otherwise; 429s are retryable, the monthly quota is not.
 */
const catalog = {
  MISSING_API_KEY: { status: 401, message: 'API key is required', description: 'No API key provided in request', category: 'Authentication', retryable: false },
  INVALID_API_KEY: { status: 401, message: 'The provided API key is invalid', description: "API key format is incorrect or doesn't exist", category: 'Authentication', retryable: false },
  EXPIRED_API_KEY: { status: 401, message: 'The API key has expired', description: 'API key has passed its expiration date', category: 'Authentication', retryable: false },
  REVOKED_API_KEY: { status: 401, message: 'The API key has been revoked', description: 'API key was manually revoked', category: 'Authentication', retryable: false },
  INSUFFICIENT_PERMISSIONS: { status: 403, message: 'Insufficient permissions for this operation', description: 'API key lacks required permissions', category: 'Authentication', retryable: false },
  ACCOUNT_SUSPENDED: { status: 403, message: 'Account has been suspended', description: 'Account is temporarily or permanently suspended', category: 'Authentication', retryable: false },
  QUOTA_EXCEEDED: { status: 403, message: 'Monthly quota exceeded', description: 'Monthly usage limit has been reached', category: 'Authentication', retryable: false },
  INVALID_REQUEST: { status: 400, message: 'The request was invalid', description: 'General request validation error', category: 'Request', retryable: false },
  MISSING_REQUIRED_FIELD: { status: 400, message: 'Required field is missing', description: 'A required parameter was not provided', category: 'Request', retryable: false },
  INVALID_FIELD_VALUE: { status: 400, message: 'Field value is invalid', description: "Parameter value doesn't meet requirements", category: 'Request', retryable: false },
  UNSUPPORTED_MODEL: { status: 400, message: 'Model is not supported', description: "Specified model doesn't exist or isn't available", category: 'Request', retryable: false },
  INVALID_FILE_FORMAT: { status: 400, message: 'File format is not supported', description: 'Uploaded file format is not accepted', category: 'Request', retryable: false },
  FILE_TOO_LARGE: { status: 400, message: 'File size exceeds limit', description: 'File is larger than allowed maximum', category: 'Request', retryable: false },
  RESOURCE_NOT_FOUND: { status: 404, message: 'Resource not found', description: "Requested resource doesn't exist", category: 'Not Found', retryable: false },
  ENDPOINT_NOT_FOUND: { status: 404, message: 'Endpoint not found', description: "API endpoint doesn't exist", category: 'Not Found', retryable: false },
  MODEL_NOT_FOUND: { status: 404, message: 'Model not found', description: "Specified model doesn't exist", category: 'Not Found', retryable: false },
  RATE_LIMIT_EXCEEDED: { status: 429, message: 'Rate limit exceeded', description: 'Too many requests in the time window', category: 'Rate Limiting', retryable: true },
  CONCURRENT_LIMIT_EXCEEDED: { status: 429, message: 'Too many concurrent requests', description: 'Too many simultaneous requests', category: 'Rate Limiting', retryable: true },
  INTERNAL_ERROR: { status: 500, message: 'Internal server error', description: 'Unexpected server error', category: 'Server', retryable: true },
  MODEL_UNAVAILABLE: { status: 500, message: 'Model is temporarily unavailable', description: 'AI model is down for maintenance', category: 'Server', retryable: true },
  PROCESSING_ERROR: { status: 500, message: 'Error processing request', description: 'Error occurred during request processing', category: 'Server', retryable: true },
  SERVICE_UNAVAILABLE: { status: 503, message: 'Service is temporarily unavailable', description: 'API is down for maintenance', category: 'Server', retryable: true },
  OVERLOADED: { status: 503, message: 'Service is overloaded', description: 'Server is experiencing high load', category: 'Server', retryable: true },
  PROMPT_TOO_LONG: { status: 400, message: 'Prompt exceeds maximum length', description: 'Input text is too long', field: 'prompt', category: 'Text Generation', retryable: false },
  INVALID_TEMPERATURE: { status: 400, message: 'Temperature must be between 0 and 2', description: 'Temperature value is out of range', field: 'temperature', category: 'Text Generation', retryable: false },
  INVALID_MAX_TOKENS: { status: 400, message: 'Max tokens must be positive', description: 'Token limit is invalid', field: 'max_tokens', category: 'Text Generation', retryable: false },
  INVALID_IMAGE_SIZE: { status: 400, message: 'Image size is not supported', description: 'Specified dimensions are invalid', field: 'size', category: 'Image Generation', retryable: false },
  INVALID_IMAGE_QUALITY: { status: 400, message: 'Image quality is not supported', description: 'Quality setting is invalid', field: 'quality', category: 'Image Generation', retryable: false },
  PROMPT_VIOLATION: { status: 400, message: 'Prompt violates content policy', description: 'Image description contains prohibited content', field: 'prompt', category: 'Image Generation', retryable: false }
} as const

const spec: PresetSpec<typeof catalog> = {
  name: 'genai',
  source: 'GenAI API "Error Codes"',
  catalog,
  documented: Object.keys(catalog) as Array<keyof typeof catalog>,
  format: { name: 'envelope', envelope: { data: false, timestamp: true } },
  // The document keeps its Message column as the message and puts what is wrong in details.issue.
  validationMessage: 'catalog',
  conditions: {
    'validation.required': 'MISSING_REQUIRED_FIELD',
    'validation.type': 'INVALID_FIELD_VALUE',
    'validation.range': 'INVALID_FIELD_VALUE',
    'validation.format': 'INVALID_FIELD_VALUE',
    'validation.enum': 'INVALID_FIELD_VALUE',
    'validation.invalid': 'INVALID_FIELD_VALUE',
    notFound: 'ENDPOINT_NOT_FOUND',
    malformedBody: 'INVALID_REQUEST',
    emptyBody: 'INVALID_REQUEST',
    badHttp: 'INVALID_REQUEST',
    unsupportedMediaType: { code: 'INVALID_REQUEST', status: 415 },
    payloadTooLarge: { code: 'INVALID_REQUEST', status: 413 },
    clientError: 'INVALID_REQUEST',
    rateLimited: 'RATE_LIMIT_EXCEEDED',
    quotaExceeded: 'QUOTA_EXCEEDED',
    overloaded: 'OVERLOADED',
    maintenance: 'SERVICE_UNAVAILABLE',
    upstream: { code: 'SERVICE_UNAVAILABLE', status: 502 },
    upstreamTimeout: { code: 'SERVICE_UNAVAILABLE', status: 504 },
    internal: 'INTERNAL_ERROR'
  },
  statusCodes: {
    400: 'INVALID_REQUEST',
    401: 'INVALID_API_KEY',
    403: 'INSUFFICIENT_PERMISSIONS',
    404: 'RESOURCE_NOT_FOUND',
    429: 'RATE_LIMIT_EXCEEDED',
    500: 'INTERNAL_ERROR',
    502: 'SERVICE_UNAVAILABLE',
    503: 'SERVICE_UNAVAILABLE'
  },
  fieldRules: {
    prompt: { maxLength: 'PROMPT_TOO_LONG' },
    temperature: { '*': 'INVALID_TEMPERATURE' },
    max_tokens: { '*': 'INVALID_MAX_TOKENS' },
    size: { '*': 'INVALID_IMAGE_SIZE' },
    quality: { '*': 'INVALID_IMAGE_QUALITY' },
    model: { enum: 'UNSUPPORTED_MODEL', const: 'UNSUPPORTED_MODEL' }
  }
}

/** The genai preset's data: no factories, safe for a browser bundle. */
export const genai: PresetData<typeof catalog> = {
  ...spec,
  codes: codeTable(catalog)
}
