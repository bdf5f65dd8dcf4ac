/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/presets/sessions.test.ts > TAP > example: INSUFFICIENT_BALANCE with its balance details > INSUFFICIENT_BALANCE 1`] = `
Object {
  "data": null,
  "error": Object {
    "code": "INSUFFICIENT_BALANCE",
    "details": Object {
      "current_balance": 50,
      "required_amount": 100,
    },
    "message": "Insufficient balance. Current balance: 50.00; required: 100.00",
  },
  "meta": Object {
    "request_id": "req_xxxx",
  },
  "success": false,
}
`
