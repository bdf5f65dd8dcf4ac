import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import t, { type Test } from 'tap'
import { Agent, fetch as undiciFetch } from 'undici'
import type { FastifyInstance } from 'fastify'
import type { PresetName } from '../src/index.js'
import { build } from './helper.js'

interface LogLine {
  level: number
  msg?: string
  request_id?: string
  error_code?: string
  err?: { message?: string, stack?: string }
}

/** An app whose pino lines are collected, and that answers `GET /call` by running `call`. */
async function appCalling (test: Test, preset: PresetName, call: () => Promise<unknown>): Promise<{ app: FastifyInstance, lines: LogLine[] }> {
  const lines: LogLine[] = []
  let buffered = ''
  const stream = new Writable({
    write (chunk, _encoding, done) {
      buffered += String(chunk)
      let newline: number
      while ((newline = buffered.indexOf('\n')) !== -1) {
        lines.push(JSON.parse(buffered.slice(0, newline)))
        buffered = buffered.slice(newline + 1)
      }
      done()
    }
  })
  const app = await build(test, { plugin: { preset }, server: { logger: { level: 'info', stream } }, requestId: 'req-up' })
  app.get('/call', async () => {
    await call()
    return { ok: true }
  })
  return { app, lines }
}

/** A loopback port that nothing listens on any more. */
async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>(resolve => server.close(() => resolve()))
  return port
}

/** A loopback server that runs `onRequest` for every request (and so may never answer); closed at teardown. */
async function upstream (test: Test, onRequest: Parameters<typeof createServer>[1]): Promise<number> {
  const server: Server = createServer(onRequest)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  test.teardown(() => new Promise<void>(resolve => {
    server.closeAllConnections()
    server.close(() => resolve())
  }))
  return (server.address() as AddressInfo).port
}

/** The error line the plugin logged for the request. */
function errorLine (test: Test, lines: LogLine[], code: string): LogLine | undefined {
  const line = lines.find(l => l.level === 50 && l.error_code === code)
  test.ok(line, `an error line with error_code ${code}`)
  test.equal(line?.request_id, 'req-up', 'the line carries request_id')
  return line
}

/** The body says nothing about where the call went or how it failed. */
function hidesInternals (test: Test, body: string, port: number): void {
  test.notMatch(body, 'fetch failed')
  test.notMatch(body, '127.0.0.1')
  test.notMatch(body, `:${port}`)
  test.notMatch(body, /ECONN|UND_ERR|TimeoutError|aborted/i)
}

t.test('connection refused → the preset\'s 502, message hidden, cause logged', async t => {
  const port = await closedPort()
  const url = `http://127.0.0.1:${port}/v1/secret-path`
  const cases: Array<{ preset: PresetName, body: unknown, code: string }> = [
    { preset: 'aitbc', code: 'SYSTEM_UPSTREAM_ERROR', body: { detail: 'Dependency failure', error_code: 'SYSTEM_UPSTREAM_ERROR', request_id: 'req-up' } },
    { preset: 'sessions', code: 'BACKEND_ERROR', body: { success: false, data: null, error: { code: 'BACKEND_ERROR', message: 'Backend failure', details: {} }, meta: { request_id: 'req-up' } } }
  ]
  for (const { preset, body, code } of cases) {
    const { app, lines } = await appCalling(t, preset, () => fetch(url, { signal: AbortSignal.timeout(3000) }))
    const res = await app.inject('/call')
    t.equal(res.statusCode, 502, `${preset}: 502`)
    t.strictSame(res.json(), body, `${preset}: body`)
    t.equal(res.headers['x-request-id'], 'req-up')
    hidesInternals(t, res.body, port)
    t.notMatch(res.body, 'secret-path')
    const line = errorLine(t, lines, code)
    // pino's error serializer folds the cause into message and stack.
    t.match(line?.err?.message, /ECONNREFUSED/, `${preset}: the log has the cause's code`)
    t.match(line?.err?.stack, /caused by: Error: connect ECONNREFUSED/, `${preset}: and its stack`)
    t.match(line?.err?.message, `127.0.0.1:${port}`, `${preset}: the log says where the call went`)
  }
})

t.test('a connection reset by the upstream → 502', async t => {
  const port = await upstream(t, (req) => { req.socket.destroy() })
  const { app, lines } = await appCalling(t, 'aitbc', () => fetch(`http://127.0.0.1:${port}/x`, { signal: AbortSignal.timeout(3000) }))
  const res = await app.inject('/call')
  t.equal(res.statusCode, 502)
  t.equal(res.json().error_code, 'SYSTEM_UPSTREAM_ERROR')
  hidesInternals(t, res.body, port)
  const line = errorLine(t, lines, 'SYSTEM_UPSTREAM_ERROR')
  t.match(line?.err?.message, /fetch failed: (other side closed|read ECONNRESET|socket hang up)/, 'the log has the cause')
})

t.test('AbortSignal.timeout on a call that never answers → the preset\'s 504', async t => {
  const port = await upstream(t, () => {})
  const url = `http://127.0.0.1:${port}/slow`
  const cases: Array<{ preset: PresetName, code: (body: any) => unknown, expected: string, message: (body: any) => unknown, text: string }> = [
    { preset: 'aitbc', code: b => b.error_code, expected: 'SYSTEM_UPSTREAM_ERROR', message: b => b.detail, text: 'Dependency failure' },
    { preset: 'sessions', code: b => b.error.code, expected: 'BACKEND_TIMEOUT', message: b => b.error.message, text: 'Backend timeout' },
    { preset: 'tokenbay', code: b => b.error.code, expected: 'upstream_timeout', message: b => b.error.message, text: 'Upstream Timeout' }
  ]
  for (const { preset, code, expected, message, text } of cases) {
    const { app, lines } = await appCalling(t, preset, () => fetch(url, { signal: AbortSignal.timeout(50) }))
    const started = Date.now()
    const res = await app.inject('/call')
    t.ok(Date.now() - started < 2000, `${preset}: answered without waiting on the upstream`)
    t.equal(res.statusCode, 504, `${preset}: 504`)
    t.equal(code(res.json()), expected, `${preset}: ${expected}`)
    t.equal(message(res.json()), text, `${preset}: the catalog's message`)
    hidesInternals(t, res.body, port)
    if (preset === 'tokenbay') t.equal(res.headers['x-should-retry'], 'true', 'a timeout is worth retrying')
    const line = errorLine(t, lines, expected)
    t.match(line?.err, { message: /aborted|timeout/i }, `${preset}: the log has the timeout`)
  }
})

t.test('undici headersTimeout → 504 (undici is in node_modules)', async t => {
  const port = await upstream(t, () => {})
  const agent = new Agent({ headersTimeout: 50 })
  t.teardown(() => agent.close())
  const { app, lines } = await appCalling(t, 'sessions', () => undiciFetch(`http://127.0.0.1:${port}/slow`, { dispatcher: agent, signal: AbortSignal.timeout(3000) }))
  const res = await app.inject('/call')
  t.equal(res.statusCode, 504)
  t.equal(res.json().error.code, 'BACKEND_TIMEOUT')
  hidesInternals(t, res.body, port)
  const line = errorLine(t, lines, 'BACKEND_TIMEOUT')
  t.match(line?.err?.stack, /caused by: HeadersTimeoutError/, 'the log has the cause')
})

t.test('a DNS failure (ENOTFOUND) → 502, the host name kept to the log', async t => {
  // What fetch rejects with when getaddrinfo fails; built here, so no real lookup is made.
  const dnsError = (): Error => new TypeError('fetch failed', {
    cause: Object.assign(new Error('getaddrinfo ENOTFOUND billing.internal.example'), { code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname: 'billing.internal.example' })
  })
  for (const preset of ['aitbc', 'sessions'] as const) {
    const { app, lines } = await appCalling(t, preset, async () => { throw dnsError() })
    const res = await app.inject('/call')
    t.equal(res.statusCode, 502, `${preset}: 502`)
    t.equal(preset === 'aitbc' ? res.json().error_code : res.json().error.code, preset === 'aitbc' ? 'SYSTEM_UPSTREAM_ERROR' : 'BACKEND_ERROR')
    t.notMatch(res.body, 'billing.internal')
    t.notMatch(res.body, /fetch failed|ENOTFOUND|getaddrinfo/)
    const line = errorLine(t, lines, preset === 'aitbc' ? 'SYSTEM_UPSTREAM_ERROR' : 'BACKEND_ERROR')
    t.match(line?.err?.message, /ENOTFOUND billing\.internal\.example/, `${preset}: the log has the cause and the host`)
  }

  // The same failure through a real fetch, its lookup answered locally.
  let lookups = 0
  const agent = new Agent({
    connect: {
      lookup: (hostname: string, _options: unknown, callback: (err: Error) => void) => {
        lookups++
        callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname }))
      }
    } as never
  })
  t.teardown(() => agent.close())
  const { app, lines } = await appCalling(t, 'aitbc', () => undiciFetch('http://billing.internal.example/v1/charge', { dispatcher: agent, signal: AbortSignal.timeout(3000) }))
  const res = await app.inject('/call')
  t.ok(lookups > 0, 'the local lookup answered, not DNS')
  t.equal(res.statusCode, 502)
  t.equal(res.json().error_code, 'SYSTEM_UPSTREAM_ERROR')
  t.notMatch(res.body, /billing|fetch failed|ENOTFOUND/)
  t.match(errorLine(t, lines, 'SYSTEM_UPSTREAM_ERROR')?.err?.message, /ENOTFOUND billing\.internal\.example/)
})
