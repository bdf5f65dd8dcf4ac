/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/presets/aitbc.test.ts > TAP > example: AUTH_MISSING_KEY > AUTH_MISSING_KEY 1`] = `
Object {
  "detail": "API key is required for this endpoint",
  "error_code": "AUTH_MISSING_KEY",
  "request_id": "req-abc123",
}
`

exports[`test/presets/aitbc.test.ts > TAP > example: JOB_NOT_FOUND from a defineErrors template > JOB_NOT_FOUND (template) 1`] = `
Object {
  "detail": "Job job-abc123 not found",
  "error_code": "JOB_NOT_FOUND",
  "request_id": "req-abc123",
}
`

exports[`test/presets/aitbc.test.ts > TAP > example: JOB_NOT_FOUND from new ApiError with a message > JOB_NOT_FOUND (ApiError) 1`] = `
Object {
  "detail": "Job job-abc123 not found",
  "error_code": "JOB_NOT_FOUND",
  "request_id": "req-abc123",
}
`

exports[`test/presets/aitbc.test.ts > TAP > example: RATE_LIMIT_EXCEEDED with retryAfter > RATE_LIMIT_EXCEEDED 1`] = `
Object {
  "detail": "Rate limit exceeded. Retry after 60 seconds",
  "error_code": "RATE_LIMIT_EXCEEDED",
  "request_id": "req-abc123",
  "retry_after": 60,
}
`

exports[`test/presets/aitbc.test.ts > TAP > example: the error response format > error response format 1`] = `
Object {
  "detail": "Human-readable error message",
  "error_code": "ERROR_CODE",
  "request_id": "req-abc123",
}
`

exports[`test/presets/aitbc.test.ts > TAP > example: VALIDATION_MISSING_FIELD from a schema-validation failure > VALIDATION_MISSING_FIELD 1`] = `
Object {
  "detail": "Field 'prompt' is required",
  "error_code": "VALIDATION_MISSING_FIELD",
  "field": "prompt",
  "request_id": "req-abc123",
}
`
