/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/testing.test.ts > TAP > a snapshot of a body from an app you cannot configure, normalized > must match snapshot 1`] = `
Object {
  "error": Object {
    "code": "ENDPOINT_NOT_FOUND",
    "message": "Endpoint not found",
  },
  "meta": Object {
    "request_id": "<request_id>",
    "timestamp": "<timestamp>",
  },
  "success": false,
}
`

exports[`test/testing.test.ts > TAP > job not found body > must match snapshot 1`] = `
Object {
  "error": Object {
    "code": "RESOURCE_NOT_FOUND",
    "message": "Job job-abc123 not found",
  },
  "meta": Object {
    "request_id": "req_test",
    "timestamp": "2024-01-01T00:00:00Z",
  },
  "success": false,
}
`
