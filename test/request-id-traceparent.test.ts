import type { IncomingMessage } from 'node:http'
import fc from 'fast-check'
import t from 'tap'
import { ApiError, requestIdOptions } from '../src/index.js'
import { build } from './helper.js'

const generated = /^req_[0-9a-f]{32}$/
const hex = (length: number): fc.Arbitrary<string> => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length })
const nonZero = (length: number): fc.Arbitrary<string> => hex(length).filter(s => /[^0]/.test(s))

/** Every valid traceparent: version 00 exactly, a later version optionally followed by `-` and more fields. */
const validTraceparent = fc.record({
  version: hex(2).filter(v => v !== 'ff'),
  traceId: nonZero(32),
  parentId: nonZero(16),
  flags: hex(2),
  rest: fc.string({ maxLength: 20 })
}).map(({ version, traceId, parentId, flags, rest }) => ({
  traceId,
  header: `${version}-${traceId}-${parentId}-${flags}` + (version === '00' ? '' : `-${rest}`)
}))

const { genReqId } = requestIdOptions({ traceparent: true })
const idFor = (headers: Record<string, unknown>): string => genReqId({ headers } as unknown as IncomingMessage)

t.test('a valid traceparent gives its trace id as the request id', async t => {
  fc.assert(fc.property(validTraceparent, ({ traceId, header }) => idFor({ traceparent: header }) === traceId))
  t.pass()
})

// What makes a traceparent invalid (W3C Trace Context): each rule breaks one valid header, for every valid header.
const breaks: Array<[string, (header: string) => string]> = [
  ['version ff', h => 'ff' + h.slice(2)],
  ['an all-zero trace id', h => h.slice(0, 3) + '0'.repeat(32) + h.slice(35)],
  ['an all-zero parent id', h => h.slice(0, 36) + '0'.repeat(16) + h.slice(52)],
  ['an uppercase hex digit', h => h.slice(0, 3) + 'A' + h.slice(4)],
  ['a non-hex character in a field', h => h.slice(0, 10) + 'g' + h.slice(11)],
  ['a trace id one digit short', h => h.slice(0, 3) + h.slice(4)],
  ['a parent id one digit long', h => h.slice(0, 36) + 'a' + h.slice(36)],
  ['another separator', h => h.slice(0, 2) + '_' + h.slice(3)],
  ['version 00 with more after it', h => '00' + h.slice(2, 55) + '-00'],
  ['a field glued to the flags', h => h.slice(0, 55) + 'x'],
  ['surrounding whitespace', h => ` ${h}`],
  ['cut short', h => h.slice(0, 54)]
]

t.test('an invalid traceparent is ignored: the request gets a new id', async t => {
  for (const [rule, broken] of breaks) {
    fc.assert(fc.property(validTraceparent, ({ header }) => generated.test(idFor({ traceparent: broken(header) }))), { numRuns: 200 })
    t.pass(rule)
  }
  for (const value of [undefined, '', ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01']]) {
    t.match(idFor({ traceparent: value }), generated, `not a single string: ${JSON.stringify(value)}`)
  }
})

t.test('over the wire, the body and the X-Request-Id header carry the trace id', async t => {
  const app = await build(t, { server: requestIdOptions({ traceparent: true }) })
  app.get('/missing', async () => { throw new ApiError('JOB_NOT_FOUND') })
  const base = await app.listen({ port: 0, host: '127.0.0.1' })
  const res = await fetch(`${base}/missing`, { headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } })
  t.equal(res.headers.get('x-request-id'), '4bf92f3577b34da6a3ce929d0e0e4736')
  t.match(await res.json(), { request_id: '4bf92f3577b34da6a3ce929d0e0e4736' })
})
