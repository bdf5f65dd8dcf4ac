import Fastify from 'fastify'
import t from 'tap'
import errorEnvelope, { ApiError, requestIdOptions } from '../src/index.js'
import { logCapture } from './helper.js'

// The rule (README, "Request ids"): the request id is logged as `request_id` by default, the name the
// error bodies use; `logLabel` names the field, and `'reqId'` keeps Fastify's own name and factory.
// The plugin's own error lines carry `request_id` whatever the label (its documented line).

async function linesOf (t: { teardown: (fn: () => unknown) => void, equal: (a: unknown, b: unknown) => void }, logLabel?: string): Promise<Array<Record<string, unknown>>> {
  const { stream, lines } = logCapture()
  const app = Fastify({ logger: { level: 'info', stream }, ...requestIdOptions(logLabel === undefined ? {} : { logLabel }) })
  t.teardown(() => app.close())
  await app.register(errorEnvelope)
  app.get('/jobs/:id', async () => { throw new ApiError('JOB_NOT_FOUND') })
  const res = await app.inject({ url: '/jobs/1', headers: { 'x-request-id': 'req_label_test' } })
  t.equal(res.statusCode, 404)
  return lines as Array<Record<string, unknown>>
}

t.test('by default every request line carries request_id, never reqId', async t => {
  const lines = await linesOf(t)
  const requestLines = lines.filter(l => l.msg === 'incoming request' || l.msg === 'request completed')
  t.equal(requestLines.length, 2)
  for (const line of requestLines) {
    t.equal(line.request_id, 'req_label_test', String(line.msg))
    t.notOk('reqId' in line, `${String(line.msg)}: no reqId`)
  }
})

t.test("logLabel: 'reqId' keeps Fastify's own field name, so log queries written for Fastify's default keep working", async t => {
  const lines = await linesOf(t, 'reqId')
  const requestLines = lines.filter(l => l.msg === 'incoming request' || l.msg === 'request completed')
  t.equal(requestLines.length, 2)
  for (const line of requestLines) {
    t.equal(line.reqId, 'req_label_test', String(line.msg))
    t.notOk('request_id' in line, `${String(line.msg)}: no request_id`)
  }
  const errorLine = lines.find(l => l.error_code === 'JOB_NOT_FOUND')
  t.equal(errorLine?.request_id, 'req_label_test', "the plugin's own line still says request_id, as documented")
  t.equal(errorLine?.reqId, 'req_label_test')
  t.equal(requestIdOptions({ logLabel: 'reqId' }).childLoggerFactory, Fastify().childLoggerFactory, "and Fastify's own factory: no renaming per request")
})

t.test('logLabel names the field of every line', async t => {
  const lines = await linesOf(t, 'trace.request')
  const requestLines = lines.filter(l => l.msg === 'incoming request' || l.msg === 'request completed')
  for (const line of requestLines) t.equal(line['trace.request'], 'req_label_test', String(line.msg))
})

t.test('a logLabel that is not a log field name fails with a TypeError naming the option; a typo is named', async t => {
  for (const bad of ['', 'has space', '1st', 'x'.repeat(65), 5, {}]) {
    t.throws(() => requestIdOptions({ logLabel: bad as never }), { name: 'TypeError', message: /requestIdOptions\(\)\.logLabel/ }, JSON.stringify(bad))
  }
  t.throws(() => requestIdOptions({ loglabel: 'reqId' } as never), { name: 'TypeError', message: /did you mean 'logLabel'/ })
})
