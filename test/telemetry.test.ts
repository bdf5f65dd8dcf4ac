import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { Readable } from 'node:stream'
import { context, metrics, trace, SpanStatusCode } from '@opentelemetry/api'
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import { MeterProvider, MetricReader, type DataPoint } from '@opentelemetry/sdk-metrics'
import { FastifyOtelInstrumentation } from '@fastify/otel'
import Fastify, { type FastifyInstance } from 'fastify'
import t from 'tap'
import errorEnvelope, { ApiError, requestIdOptions, type ErrorEnvelopeOptions } from '../src/index.js'
import { errorCounterName } from '../src/telemetry.js'
import type { Teardown } from './helper.js'

/** Collects on demand: the test reads the counter after its requests. */
class TestReader extends MetricReader {
  protected async onShutdown (): Promise<void> {}
  protected async onForceFlush (): Promise<void> {}
}

const spans = new InMemorySpanExporter()
// register(): the global tracer provider, an AsyncLocalStorage context manager and the W3C propagator.
new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }).register()

/** A fresh meter provider and reader per test: the plugin's counter follows the global provider. */
function freshMetrics (t: Teardown): TestReader {
  const reader = new TestReader()
  metrics.disable()
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }))
  t.teardown(() => { metrics.disable() })
  return reader
}

async function errorCounts (reader: TestReader): Promise<Array<{ attributes: Record<string, unknown>, value: number }>> {
  const { resourceMetrics } = await reader.collect()
  const metric = resourceMetrics.scopeMetrics.flatMap(s => s.metrics).find(m => m.descriptor.name === errorCounterName)
  return (metric?.dataPoints as Array<DataPoint<number>> | undefined ?? []).map(p => ({ attributes: p.attributes, value: p.value }))
}

function routes (app: FastifyInstance): void {
  app.get('/items/:id', async () => { throw new ApiError('ITEM_NOT_FOUND') })
  app.get('/sync-items/:id', () => { throw new ApiError('ITEM_NOT_FOUND') })
  app.get('/boom', async () => { throw new Error('database down at postgres://app:s3cret@db:5432') })
  // A programming error that still answers 400: a blank code with a status.
  app.get('/blank', async () => { throw new ApiError('' as 'ITEM_NOT_FOUND', { status: 400 }) })
  app.get('/ok', async () => ({ ok: true }))
  // A stream whose source fails after its first line: the error is its last line, under the stream's 200.
  app.get('/stream/:what', { config: { stream: true } }, async (request, reply) => {
    const failure = (request.params as { what: string }).what === 'missing' ? new ApiError('ITEM_NOT_FOUND') : new Error('upstream reset')
    const source = new Readable({ read () {} })
    source.push('{"n":1}\n')
    setImmediate(() => source.destroy(failure))
    return reply.type('application/x-ndjson').send(source)
  })
  // Values a route may throw that are no Error.
  const odd: Record<string, unknown> = { null: null, string: 'cache down at redis://app:s3cret@cache:6379', number: 42 }
  app.get('/throw/:what', async request => { throw odd[(request.params as { what: string }).what] })
}

const plugin: ErrorEnvelopeOptions = { errors: { ITEM_NOT_FOUND: { status: 404, message: 'Item not found' } } }

/** A real server on port 0 with `@fastify/otel` making the request spans. */
async function withFastifyOtel (t: Teardown, opts: { recordExceptions?: boolean, plugin?: ErrorEnvelopeOptions } = {}): Promise<string> {
  const instrumentation = new FastifyOtelInstrumentation({ recordExceptions: opts.recordExceptions ?? true })
  const app = Fastify(requestIdOptions({ traceparent: true }))
  t.teardown(() => app.close())
  await app.register(instrumentation.plugin())
  await app.register(errorEnvelope, { ...plugin, ...opts.plugin })
  routes(app)
  return await app.listen({ port: 0, host: '127.0.0.1' })
}

/** A real server on port 0 whose request spans come from a plain HTTP wrapper, as an HTTP instrumentation makes them. */
async function withServerSpans (t: Teardown, pluginOpts: ErrorEnvelopeOptions = {}): Promise<string> {
  const tracer = trace.getTracer('test-http')
  const app = Fastify({
    ...requestIdOptions(),
    serverFactory: handler => createServer((req: IncomingMessage, res: ServerResponse) => {
      const span = tracer.startSpan('GET', { attributes: { 'test.root': true } })
      res.on('finish', () => span.end())
      context.with(trace.setSpan(context.active(), span), () => handler(req, res))
    })
  })
  t.teardown(() => app.close())
  await app.register(errorEnvelope, { ...plugin, ...pluginOpts })
  routes(app)
  return await app.listen({ port: 0, host: '127.0.0.1' })
}

function requestSpan (predicate: (span: ReadableSpan) => boolean): ReadableSpan {
  const found = spans.getFinishedSpans().filter(predicate)
  if (found.length !== 1) throw new Error(`expected one request span, found ${found.length}`)
  return found[0] as ReadableSpan
}
const fastifyOtelRoot = (span: ReadableSpan): boolean => span.attributes['fastify.root'] === '@fastify/otel'
const plainRoot = (span: ReadableSpan): boolean => span.attributes['test.root'] === true

t.beforeEach(() => { spans.reset() })

t.test('without @fastify/otel: a 4xx sets error.type and the status on the active span and leaves its status unset, with no exception', async t => {
  freshMetrics(t)
  const base = await withServerSpans(t)
  const res = await fetch(`${base}/items/7`)
  t.equal(res.status, 404)
  const span = requestSpan(plainRoot)
  t.equal(span.attributes['error.type'], 'ITEM_NOT_FOUND')
  t.equal(span.attributes['http.response.status_code'], 404)
  t.equal(span.status.code, SpanStatusCode.UNSET)
  t.same(span.events, [])
})

t.test('without @fastify/otel: a 5xx sets status ERROR and records the exception once, redacted as the log is', async t => {
  freshMetrics(t)
  const base = await withServerSpans(t)
  t.equal((await fetch(`${base}/boom`)).status, 500)
  const span = requestSpan(plainRoot)
  t.equal(span.attributes['error.type'], 'SYSTEM_INTERNAL_ERROR')
  t.equal(span.attributes['http.response.status_code'], 500)
  t.equal(span.status.code, SpanStatusCode.ERROR)
  t.equal(span.events.length, 1)
  t.equal(span.events[0]?.name, 'exception')
  t.equal(span.events[0]?.attributes?.['exception.message'], 'database down at postgres://[Redacted]@db:5432')
  t.match(span.events[0]?.attributes?.['exception.stacktrace'], /^Error: database down at postgres:\/\/\[Redacted\]@db:5432\n\s+at /)
  t.notMatch(JSON.stringify({ attributes: span.attributes, events: span.events, status: span.status }), /s3cret/)
})

t.test('a programming error is ERROR with its exception even when it answers 4xx', async t => {
  freshMetrics(t)
  const base = await withServerSpans(t)
  t.equal((await fetch(`${base}/blank`)).status, 400)
  const span = requestSpan(plainRoot)
  t.equal(span.attributes['http.response.status_code'], 400)
  t.equal(span.status.code, SpanStatusCode.ERROR)
  t.equal(span.status.message, 'ApiError code is blank')
  t.equal(span.events.length, 1)
})

t.test('a success touches no span and counts nothing', async t => {
  const reader = freshMetrics(t)
  const base = await withServerSpans(t)
  t.equal((await fetch(`${base}/ok`)).status, 200)
  const span = requestSpan(plainRoot)
  t.equal(span.attributes['error.type'], undefined)
  t.equal(span.status.code, SpanStatusCode.UNSET)
  t.same(await errorCounts(reader), [])
})

t.test('telemetry: false records nothing on the span and counts nothing', async t => {
  const reader = freshMetrics(t)
  const base = await withServerSpans(t, { telemetry: false })
  t.equal((await fetch(`${base}/boom`)).status, 500)
  const span = requestSpan(plainRoot)
  t.equal(span.attributes['error.type'], undefined)
  t.equal(span.status.code, SpanStatusCode.UNSET)
  t.same(span.events, [])
  t.same(await errorCounts(reader), [])
})

t.test('the counter counts error answers by code, status, route template and method', async t => {
  const reader = freshMetrics(t)
  const base = await withServerSpans(t)
  for (const path of ['/items/1', '/items/2', '/sync-items/3', '/boom', '/nowhere']) await fetch(`${base}${path}`)
  const counts = await errorCounts(reader)
  const key = (a: Record<string, unknown>): string => `${String(a['error.type'])} ${String(a['http.response.status_code'])} ${String(a['http.route'])} ${String(a['http.request.method'])}`
  t.same(Object.fromEntries(counts.map(c => [key(c.attributes), c.value])), {
    'ITEM_NOT_FOUND 404 /items/:id GET': 2,
    'ITEM_NOT_FOUND 404 /sync-items/:id GET': 1,
    'SYSTEM_INTERNAL_ERROR 500 /boom GET': 1,
    // An unmatched path has no route template: no http.route, whatever the URL (no unbounded labels).
    'NOT_FOUND 404 undefined GET': 1
  })
})

t.test('an error inside a stream is counted and set on the span under the status the client got, 200', async t => {
  const reader = freshMetrics(t)
  const base = await withServerSpans(t)
  for (const what of ['missing', 'reset']) {
    spans.reset()
    const res = await fetch(`${base}/stream/${what}`)
    t.equal(res.status, 200, `${what}: the stream's head`)
    const last = JSON.parse((await res.text()).trim().split('\n').at(-1) as string)
    const span = requestSpan(plainRoot)
    t.equal(span.attributes['error.type'], last.error_code, `${what}: error.type is the code of the stream's last line`)
    t.equal(span.attributes['http.response.status_code'], 200, `${what}: the status on the wire`)
    // As for any answer: a 4xx-class error leaves the span's status unset, a 5xx-class one is ERROR with its exception.
    t.equal(span.status.code, what === 'missing' ? SpanStatusCode.UNSET : SpanStatusCode.ERROR, `${what}: span status`)
    t.equal(span.events.length, what === 'missing' ? 0 : 1, `${what}: exception events`)
  }
  const counts = await errorCounts(reader)
  t.same(counts.map(c => [c.attributes['error.type'], c.attributes['http.response.status_code'], c.attributes['http.route'], c.value]).sort(), [
    ['ITEM_NOT_FOUND', 200, '/stream/:what', 1],
    ['SYSTEM_INTERNAL_ERROR', 200, '/stream/:what', 1]
  ])
})

t.test('a meter provider registered after the plugin still gets the counts', async t => {
  metrics.disable()
  const base = await withServerSpans(t)
  await fetch(`${base}/items/1`)
  const reader = freshMetrics(t)
  await fetch(`${base}/items/2`)
  t.same((await errorCounts(reader)).map(c => c.value), [1])
})

t.test('a thrown value that is no Error is recorded by its type: a string as its (redacted) message, null and a number without one', async t => {
  freshMetrics(t)
  const base = await withServerSpans(t)
  const seen: Record<string, unknown> = {}
  for (const what of ['null', 'string', 'number']) {
    spans.reset()
    t.equal((await fetch(`${base}/throw/${what}`)).status, 500, what)
    const event = requestSpan(plainRoot).events[0]
    seen[what] = { name: event?.attributes?.['exception.type'], message: event?.attributes?.['exception.message'] }
    t.notMatch(JSON.stringify(event), /s3cret/, `${what}: no credential leaks`)
  }
  t.same(seen, {
    null: { name: 'null', message: undefined },
    string: { name: 'string', message: 'cache down at redis://[Redacted]@cache:6379' },
    number: { name: 'number', message: undefined }
  })
})

t.test('a meter provider that throws does not stand between an error and its answer', async t => {
  metrics.disable()
  metrics.setGlobalMeterProvider({ getMeter () { throw new Error('meter provider down') } })
  t.teardown(() => { metrics.disable() })
  const base = await withServerSpans(t)
  const res = await fetch(`${base}/items/1`)
  t.equal(res.status, 404)
  t.match(await res.json(), { error_code: 'ITEM_NOT_FOUND' }, 'the answer the route meant, not a fallback')
  t.equal((await fetch(`${base}/boom`)).status, 500)
})

t.test('beside @fastify/otel with recordExceptions: false, the request span tells 4xx from 5xx', async t => {
  const reader = freshMetrics(t)
  const base = await withFastifyOtel(t, { recordExceptions: false })
  for (const path of ['/items/1', '/sync-items/2']) {
    spans.reset()
    t.equal((await fetch(`${base}${path}`)).status, 404)
    const span = requestSpan(fastifyOtelRoot)
    t.equal(span.attributes['error.type'], 'ITEM_NOT_FOUND', `${path}: on the request span, async or sync handler`)
    t.equal(span.attributes['http.response.status_code'], 404)
    t.same(span.events, [], `${path}: no exception for a 4xx`)
  }
  spans.reset()
  t.equal((await fetch(`${base}/boom`)).status, 500)
  const boom = requestSpan(fastifyOtelRoot)
  t.equal(boom.attributes['error.type'], 'SYSTEM_INTERNAL_ERROR')
  t.equal(boom.status.code, SpanStatusCode.ERROR)
  t.same(boom.events.map(e => e.name), ['exception'], 'one exception event: ours')
  t.equal((await errorCounts(reader)).reduce((sum, c) => sum + c.value, 0), 3)
})

t.test('@fastify/otel by itself marks every thrown error ERROR and records it: what users see beside it', async t => {
  freshMetrics(t)
  const base = await withFastifyOtel(t)
  t.equal((await fetch(`${base}/items/1`)).status, 404)
  const span = requestSpan(fastifyOtelRoot)
  // Its onError hook runs before any error handler; the SDK ignores a later UNSET, so no plugin can clear it.
  t.equal(span.status.code, SpanStatusCode.ERROR)
  t.same(span.events.map(e => e.name), ['exception'])
  // What tells the expected 4xx apart: our error.type and the status code.
  t.equal(span.attributes['error.type'], 'ITEM_NOT_FOUND')
  t.equal(span.attributes['http.response.status_code'], 404)
})

t.test('requestIdOptions({ traceparent: true }): the body, the header and the trace share the incoming trace id', async t => {
  freshMetrics(t)
  const base = await withFastifyOtel(t, { recordExceptions: false })
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
  const res = await fetch(`${base}/items/1`, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } })
  const body = await res.json() as { request_id: string }
  t.equal(body.request_id, traceId)
  t.equal(res.headers.get('x-request-id'), traceId)
  t.equal(requestSpan(fastifyOtelRoot).spanContext().traceId, traceId)
})
