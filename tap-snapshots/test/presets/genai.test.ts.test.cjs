/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/presets/genai.test.ts > TAP > example: Request ID > Request ID 1`] = `
Object {
  "error": Object {
    "code": "INVALID_REQUEST",
    "message": "The request was invalid",
  },
  "meta": Object {
    "request_id": "req_1234567890",
    "timestamp": "2024-01-01T00:00:00Z",
  },
  "success": false,
}
`

exports[`test/presets/genai.test.ts > TAP > example: the error format, from a real validation failure > missing field, in the example's shape 1`] = `
Object {
  "error": Object {
    "code": "MISSING_REQUIRED_FIELD",
    "details": Object {
      "field": "specific_field_name",
      "issue": "Field 'specific_field_name' is required",
    },
    "message": "Required field is missing",
  },
  "meta": Object {
    "request_id": "req_1234567890",
    "timestamp": "2024-01-01T00:00:00Z",
  },
  "success": false,
}
`

exports[`test/presets/genai.test.ts > TAP > example: the error format, reproduced byte for byte > error format 1`] = `
Object {
  "error": Object {
    "code": "ERROR_CODE",
    "details": Object {
      "field": "specific_field_name",
      "issue": "detailed_issue_description",
    },
    "message": "Human-readable error message",
  },
  "meta": Object {
    "request_id": "req_1234567890",
    "timestamp": "2024-01-01T00:00:00Z",
  },
  "success": false,
}
`
