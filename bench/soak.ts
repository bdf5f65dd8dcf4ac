// npm run soak: a real server on loopback, driven by 50 concurrent keep-alive request loops for a bounded time with a mix of
// every error kind and successes. Counts responses by status, every body that is not the
// documented envelope, and RSS before and after; writes the numbers into docs/reliability.md.
import { fork } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { fileURLToPath } from 'node:url'

const seconds = Number(process.env.SOAK_SECONDS ?? 90)
const wantedErrors = Number(process.env.SOAK_ERRORS ?? 1_000_000)
const docFile = fileURLToPath(new URL('../docs/reliability.md', import.meta.url))

const child = fork(fileURLToPath(new URL('./soak-server.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
const port = await new Promise<number>(resolve => child.once('message', (m: { port: number }) => resolve(m.port)))
const usage = (): Promise<{ rss: number }> => new Promise(resolve => { child.once('message', m => resolve(m as { rss: number })); child.send('usage') })

let nonEnvelope = 0
let leaks = 0
let errors = 0
const envelopeKeys = new Set(['detail', 'error_code', 'request_id', 'field', 'retry_after'])

function check (status: number, body: string, _context: unknown, headers: unknown): void {
  if (status < 400) return
  errors++
  let parsed: Record<string, unknown>
  try {
    parsed = JSON.parse(body)
  } catch {
    nonEnvelope++
    return
  }
  const keys = Object.keys(parsed)
  const requestId = (headers as Record<string, string | undefined>)['x-request-id']
  if (!keys.every(k => envelopeKeys.has(k)) || typeof parsed.detail !== 'string' || typeof parsed.error_code !== 'string' ||
      typeof parsed.request_id !== 'string' || requestId !== parsed.request_id) {
    if (nonEnvelope++ === 0) console.error('first non-envelope response:', status, body, headers)
  }
  if (/hunter2|secret|\n\s+at /.test(body)) leaks++
}

const kinds = new Map<string, number>()
interface Kind { label: string, method: 'GET' | 'POST', path: string, type?: string, body?: string }
const paths = ['/ok', '/catalog', '/api-error', '/crash', '/string', '/bad-status', '/foreign', '/limited', '/nope']
const requestKinds: Kind[] = [
  ...paths.map(path => ({ label: `GET ${path}`, method: 'GET' as const, path })),
  { label: 'POST /validate {}', method: 'POST', path: '/validate', type: 'application/json', body: '{}' },
  { label: 'POST /validate truncated JSON', method: 'POST', path: '/validate', type: 'application/json', body: '{"prompt":' },
  { label: 'POST /validate as XML', method: 'POST', path: '/validate', type: 'application/xml', body: '<prompt/>' }
]

const agent = new Agent({ keepAlive: true, maxSockets: 50 })

function send (kind: Kind): Promise<{ status: number, body: string, requestId: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: kind.path, method: kind.method, agent, headers: kind.body === undefined ? {} : { 'content-type': kind.type as string } }, res => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', chunk => { body += chunk })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, requestId: res.headers['x-request-id'] as string | undefined }))
    })
    req.on('error', reject)
    req.end(kind.body)
  })
}

// Plain keep-alive requests, not autocannon: every answer must be matched to the request that asked for it.
async function drive (deadline: number, errorBudget: number): Promise<void> {
  const stopAt = errors + errorBudget
  await Promise.all(Array.from({ length: 50 }, async (_w, worker) => {
    for (let i = worker; Date.now() < deadline && errors < stopAt; i++) {
      const kind = requestKinds[i % requestKinds.length] as Kind
      const res = await send(kind)
      const label = `${kind.label} → ${res.status}`
      kinds.set(label, (kinds.get(label) ?? 0) + 1)
      check(res.status, res.body, undefined, { 'x-request-id': res.requestId })
    }
  }))
}

await drive(Date.now() + 60_000, 20_000)
const before = (await usage()).rss
const warmErrors = errors
const started = Date.now()
await drive(started + seconds * 1000, wantedErrors)
const elapsed = (Date.now() - started) / 1000
const after = (await usage()).rss
child.kill()

const mb = (n: number): string => (n / 2 ** 20).toFixed(1)
const total = [...kinds.values()].reduce((a, b) => a + b, 0)
const report = [
  `Soak of ${new Date().toISOString().slice(0, 10)}, Node ${process.version}: ${total.toLocaleString('en')} responses in ${elapsed.toFixed(0)} s ` +
    `(${(errors - warmErrors).toLocaleString('en')} error responses after a warm-up of ${warmErrors.toLocaleString('en')}), 50 concurrent clients, 12 request kinds, every answer matched to its request.`,
  '',
  '| request → status | responses |',
  '|---|---|',
  ...[...kinds.entries()].sort().map(([k, n]) => `| ${k} | ${n.toLocaleString('en')} |`),
  '',
  `- error responses that are not the documented envelope (or whose \`request_id\` differs from \`X-Request-Id\`): **${nonEnvelope}**`,
  `- error responses that show a secret, a 5xx message or a stack line: **${leaks}**`,
  `- RSS after the warm-up: ${mb(before)} MB; after the soak: ${mb(after)} MB (growth ${mb(after - before)} MB)`
].join('\n')
console.log(report)

const doc = readFileSync(docFile, 'utf8')
const start = doc.indexOf('<!-- soak:start -->')
const end = doc.indexOf('<!-- soak:end -->')
if (start !== -1 && end !== -1) {
  writeFileSync(docFile, doc.slice(0, start) + '<!-- soak:start -->\n' + report + '\n' + doc.slice(end))
}
process.exitCode = nonEnvelope === 0 && leaks === 0 ? 0 : 1
