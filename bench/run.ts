// npm run bench: every contender in its own server process, interleaved over rounds, against one
// load generator (autocannon, in this process). Writes bench/RESULTS.md.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import type { Contender } from './server.js'
import { ask, hasTaskset, median, pinLoadGenerator, startServer, type Server } from './servers.js'

const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
const duration = Number(process.env.BENCH_DURATION ?? 4)
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50)
const memoryRequests = Number(process.env.BENCH_MEMORY_REQUESTS ?? 1_000_000)
const checkout = fileURLToPath(new URL('..', import.meta.url))
const resultsFile = fileURLToPath(new URL('./RESULTS.md', import.meta.url))

interface Scenario {
  id: string
  title: string
  method: 'GET' | 'POST'
  path: string
  /** `true`: pino at info to /dev/null; `'file'`: pino at info to a file, as in production. */
  logging: boolean | 'file'
  contenders: Contender[]
  body?: string
}

const scenarios: Scenario[] = [
  { id: 'err', title: 'thrown catalog 404 (`/err`), logging off', method: 'GET', path: '/err', logging: false, contenders: ['limit', 'fastify-default', 'flat', 'envelope', 'openai', 'problem', 'throw-trivial', 'flat-send-error', 'flat-declared'] },
  { id: 'err-log', title: 'thrown catalog 404 (`/err`), pino at info', method: 'GET', path: '/err', logging: true, contenders: ['limit', 'fastify-default', 'flat', 'envelope', 'openai', 'problem', 'throw-trivial', 'flat-send-error', 'flat-completion-log'] },
  // The log line (issue #14): a 4xx line of the plugin's own against its code on Fastify's completion line, logging as a production app does.
  { id: 'err-log-file', title: 'thrown catalog 404 (`/err`), pino at info to a file', method: 'GET', path: '/err', logging: 'file', contenders: ['throw-trivial', 'flat', 'flat-completion-log'] },
  // Telemetry's cost on an error answer: `flat` has `@opentelemetry/api` installed and no SDK (a no-op), then with an SDK and `@fastify/otel`.
  { id: 'err-telemetry', title: 'thrown catalog 404 (`/err`), logging off: telemetry', method: 'GET', path: '/err', logging: false, contenders: ['flat-telemetry-off', 'flat', 'flat-otel-sdk-telemetry-off', 'flat-otel-sdk'] },
  { id: 'validate', title: 'request-validation failure (`/validate`)', method: 'POST', path: '/validate', logging: false, contenders: ['limit-validate', 'flat-validate', 'flat-validate-stack'], body: '{}' },
  // The success path, step by step: plain Fastify (no server options), + requestIdOptions(), + the plugin.
  { id: 'ok', title: 'success (`/ok`), logging off', method: 'GET', path: '/ok', logging: false, contenders: ['plain-ok', 'ids-ok', 'flat-ok'] },
  { id: 'ok-log', title: 'success (`/ok`), pino at info to a file', method: 'GET', path: '/ok', logging: 'file', contenders: ['plain-ok', 'ids-ok', 'flat-ok'] },
  { id: 'ok-rate-limit', title: 'success of a rate-limited route (`/ok`), logging off', method: 'GET', path: '/ok', logging: false, contenders: ['rate-limit-own-ok', 'flat-rate-limit-ok'] },
  { id: '429', title: '429 from the rate limiter', method: 'GET', path: '/ok', logging: false, contenders: ['rate-limit-own', 'flat-rate-limit'] }
]
const loadBefore = loadavg()[0] ?? 0

// BENCH_ONLY=validate,ok: only those scenarios, printed and not written to RESULTS.md (the targets need them all).
const only = process.env.BENCH_ONLY?.split(',')
const measured = only === undefined ? scenarios : scenarios.filter(s => only.includes(s.id))

interface Sample { rps: number, p99: number, cpuPerReq: number, maxRss: number }

pinLoadGenerator()

const start = (name: Contender, logging: boolean | string): Promise<Server> => startServer(checkout, name, logging)

async function load (port: number, s: Scenario, seconds: number, amount?: number): Promise<autocannon.Result> {
  return await autocannon({
    url: `http://127.0.0.1:${port}${s.path}`,
    method: s.method,
    connections,
    ...(amount === undefined ? { duration: seconds } : { amount }),
    ...(s.body === undefined ? {} : { body: s.body, headers: { 'content-type': 'application/json' } })
  })
}

async function measure (name: Contender, s: Scenario): Promise<Sample> {
  const logFile = s.logging === 'file' ? join(tmpdir(), `fastify-error-envelope-bench-${process.pid}.log`) : undefined
  const { child, port } = await start(name, logFile ?? s.logging === true)
  try {
    await load(port, s, 1)
    await ask(child, 'reset')
    const result = await load(port, s, duration)
    const usage = await ask<{ cpuMicros: number, maxRss: number }>(child, 'usage')
    const total = result.requests.total
    return { rps: result.requests.average, p99: result.latency.p99, cpuPerReq: usage.cpuMicros / Math.max(total, 1), maxRss: usage.maxRss }
  } finally {
    child.kill()
    if (logFile !== undefined) rmSync(logFile, { force: true })
  }
}

async function memory (): Promise<{ after10k: number, after1m: number }> {
  const s = scenarios[0] as Scenario
  const { child, port } = await start('flat', false)
  try {
    await load(port, s, 0, 10_000)
    const after10k = (await ask<{ rss: number }>(child, 'usage')).rss
    await load(port, s, 0, memoryRequests)
    const after1m = (await ask<{ rss: number }>(child, 'usage')).rss
    return { after10k, after1m }
  } finally {
    child.kill()
  }
}

const samples = new Map<string, Sample[]>()
const key = (s: Scenario, c: Contender): string => `${s.id}/${c}`

for (let round = 0; round < rounds; round++) {
  for (const s of measured) {
    // Rotate the order each round, so that no contender always runs first or last.
    const order = s.contenders.map((_c, i) => s.contenders[(i + round) % s.contenders.length] as Contender)
    for (const c of order) {
      const sample = await measure(c, s)
      samples.set(key(s, c), [...(samples.get(key(s, c)) ?? []), sample])
      console.error(`round ${round + 1}/${rounds} ${s.id} ${c}: ${Math.round(sample.rps)} req/s, ${sample.cpuPerReq.toFixed(1)} µs/req`)
    }
  }
}
const mem = memoryRequests > 0 && only === undefined ? await memory() : undefined

const cell = (s: Scenario, c: Contender): { rps: number, min: number, max: number, p99: number, cpu: number, rss: number, noisy: boolean } => {
  const xs = samples.get(key(s, c)) as Sample[]
  const rps = median(xs.map(x => x.rps))
  const min = Math.min(...xs.map(x => x.rps))
  const max = Math.max(...xs.map(x => x.rps))
  return { rps, min, max, p99: median(xs.map(x => x.p99)), cpu: median(xs.map(x => x.cpuPerReq)), rss: Math.max(...xs.map(x => x.maxRss)), noisy: (max - min) / rps > 0.15 }
}
const byId = (id: string): Scenario => scenarios.find(s => s.id === id) as Scenario
const ratio = (id: string, a: Contender, b: Contender): number => cell(byId(id), a).rps / cell(byId(id), b).rps

const versions = JSON.parse(execFileSync('npm', ['ls', 'fastify', 'autocannon', '@fastify/rate-limit', '--json', '--depth=0'], { encoding: 'utf8' })) as { dependencies: Record<string, { version: string }> }
const lines: string[] = []
lines.push('# Benchmark results', '')
lines.push(`Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ` +
  Object.entries(versions.dependencies).map(([n, v]) => `${n} ${v.version}`).join(', ') + '.', '')
lines.push(`${connections} connections, ${duration} s per run after 1 s of warm-up, ${rounds} interleaved rounds; medians, with the min–max of req/s. ` +
  `${hasTaskset ? 'Load generator pinned to core 0, server to core 1.' : 'No taskset here: processes not pinned.'} A cell whose req/s spread exceeds 15 % is marked *noisy*.`, '')
const loadAfter = loadavg()[0] ?? 0
lines.push(`1-minute load average ${loadBefore.toFixed(2)} before the run, ${loadAfter.toFixed(2)} after` +
  (Math.max(loadBefore, loadAfter) > 1 ? ': **other work shared the machine**, so compare contenders within one table, not across runs.' : '.') +
  (process.env.BENCH_NOTE === undefined ? '' : ` ${process.env.BENCH_NOTE}`), '')
for (const s of measured) {
  lines.push(`## ${s.title}`, '', '| contender | req/s | min–max | p99 ms | server CPU µs/req | peak RSS MB |', '|---|---|---|---|---|---|')
  for (const c of s.contenders) {
    const x = cell(s, c)
    lines.push(`| ${c} | ${Math.round(x.rps)}${x.noisy ? ' *noisy*' : ''} | ${Math.round(x.min)}–${Math.round(x.max)} | ${x.p99} | ${x.cpu.toFixed(1)} | ${(x.rss / 2 ** 20).toFixed(0)} |`)
  }
  lines.push('')
}
if (only !== undefined) {
  console.log(lines.join('\n'))
  process.exit(0)
}
const overFloor = (id: string, c: Contender): number => cell(byId(id), c).cpu - cell(byId(id), 'throw-trivial').cpu
const targets: Array<[string, number, string, boolean]> = [
  ['`/err` logging off: flat ÷ direct-send limit', ratio('err', 'flat', 'limit'), '≥ 0.85', ratio('err', 'flat', 'limit') >= 0.85],
  ['`/err` logging off: flat ÷ Fastify default handler', ratio('err', 'flat', 'fastify-default'), '≥ 1.6', ratio('err', 'flat', 'fastify-default') >= 1.6],
  ['`/err` logging on: flat ÷ direct-send limit', ratio('err-log', 'flat', 'limit'), '≥ 0.70', ratio('err-log', 'flat', 'limit') >= 0.70],
  ['`/err` logging on: flat ÷ Fastify default handler', ratio('err-log', 'flat', 'fastify-default'), '≥ 1.8', ratio('err-log', 'flat', 'fastify-default') >= 1.8],
  ['`/validate`: plugin ÷ attachValidation limit', ratio('validate', 'flat-validate', 'limit-validate'), '≥ 0.95', ratio('validate', 'flat-validate', 'limit-validate') >= 0.95],
  ['`/ok` logging off: requestIdOptions() ÷ plain Fastify', ratio('ok', 'ids-ok', 'plain-ok'), '≥ 0.97', ratio('ok', 'ids-ok', 'plain-ok') >= 0.97],
  ['`/ok` logging off: requestIdOptions() + plugin ÷ plain Fastify', ratio('ok', 'flat-ok', 'plain-ok'), '≥ 0.97', ratio('ok', 'flat-ok', 'plain-ok') >= 0.97],
  ['`/ok` logging to a file: requestIdOptions() ÷ plain Fastify', ratio('ok-log', 'ids-ok', 'plain-ok'), '≥ 0.97', ratio('ok-log', 'ids-ok', 'plain-ok') >= 0.97],
  ['`/ok` logging to a file: requestIdOptions() + plugin ÷ plain Fastify', ratio('ok-log', 'flat-ok', 'plain-ok'), '≥ 0.97', ratio('ok-log', 'flat-ok', 'plain-ok') >= 0.97],
  ['rate-limited `/ok`: plugin\'s rateLimit ÷ @fastify/rate-limit by hand', ratio('ok-rate-limit', 'flat-rate-limit-ok', 'rate-limit-own-ok'), '≥ 0.97', ratio('ok-rate-limit', 'flat-rate-limit-ok', 'rate-limit-own-ok') >= 0.97],
  ['429: plugin ÷ @fastify/rate-limit\'s own', ratio('429', 'flat-rate-limit', 'rate-limit-own'), '≥ 0.9', ratio('429', 'flat-rate-limit', 'rate-limit-own') >= 0.9],
  ['`/err`: a route declaring its errors (the undeclared check) ÷ one that does not', ratio('err', 'flat-declared', 'flat'), '≥ 0.97', ratio('err', 'flat-declared', 'flat') >= 0.97],
  ['`/err`: telemetry on, `@opentelemetry/api` and no SDK ÷ `telemetry: false`', ratio('err-telemetry', 'flat', 'flat-telemetry-off'), '≥ 0.97', ratio('err-telemetry', 'flat', 'flat-telemetry-off') >= 0.97],
  ['`/err` logging on: `clientErrorLog: \'completion\'` ÷ a line of its own', ratio('err-log', 'flat-completion-log', 'flat'), '≥ 1', ratio('err-log', 'flat-completion-log', 'flat') >= 1],
  ['server CPU per `/err` response: flat ÷ limit', cell(byId('err'), 'flat').cpu / cell(byId('err'), 'limit').cpu, '≤ 1.2', cell(byId('err'), 'flat').cpu / cell(byId('err'), 'limit').cpu <= 1.2]
]
lines.push('## Targets', '', '| target | measured | wanted | met |', '|---|---|---|---|')
for (const [name, value, wanted, met] of targets) lines.push(`| ${name} | ${value.toFixed(2)}× | ${wanted} | ${met ? 'yes' : '**no**'} |`)
if (mem !== undefined) {
  const growth = (mem.after1m - mem.after10k) / 2 ** 20
  lines.push(`| RSS after ${memoryRequests.toLocaleString('en')} more error responses − RSS after 10,000 | ${growth.toFixed(1)} MB | ≤ 10 MB | ${growth <= 10 ? 'yes' : '**no**'} |`)
}
lines.push('')
const cpu = (id: string, c: Contender): number => cell(byId(id), c).cpu
lines.push('## What is left: Fastify\'s throw path', '',
  'Two extra contenders split the `/err` cost. `throw-trivial` throws the same error to the cheapest possible error handler ' +
  '(one fixed `reply.send`): the floor for *any* handler reached by a throw. `flat-send-error` answers with this plugin ' +
  'through `reply.sendError()`, without throwing: the plugin\'s own cost.', '',
  '| logging | limit µs/req | floor of a thrown error µs/req | plugin, thrown µs/req | plugin, no throw µs/req | throw path alone | plugin alone |',
  '|---|---|---|---|---|---|---|')
for (const id of ['err', 'err-log']) {
  lines.push(`| ${id === 'err' ? 'off' : 'on'} | ${cpu(id, 'limit').toFixed(1)} | ${cpu(id, 'throw-trivial').toFixed(1)} | ${cpu(id, 'flat').toFixed(1)} | ${cpu(id, 'flat-send-error').toFixed(1)} | ` +
    `+${(cpu(id, 'throw-trivial') - cpu(id, 'limit')).toFixed(1)} µs | +${(cpu(id, 'flat') - cpu(id, 'throw-trivial')).toFixed(1)} µs |`)
}
lines.push('', 'With pino at info to a file, as a production app logs, a 4xx line of the plugin\'s own against its code on ' +
  'Fastify\'s `request completed` line (`clientErrorLog: \'completion\'`): server CPU per request over the floor of a thrown error.', '',
'| `/err`, pino to a file | server CPU µs/req | over the floor |', '|---|---|---|')
for (const c of ['throw-trivial', 'flat', 'flat-completion-log'] as const) {
  lines.push(`| ${c === 'throw-trivial' ? 'floor (`throw-trivial`)' : c === 'flat' ? 'a 4xx line of its own (`flat`, the default)' : '`clientErrorLog: \'completion\'`'} | ` +
    `${cpu('err-log-file', c).toFixed(1)} | ${c === 'throw-trivial' ? '0' : `${overFloor('err-log-file', c) >= 0 ? '+' : ''}${overFloor('err-log-file', c).toFixed(1)} µs`} |`)
}
lines.push('', 'A handler that throws pays for the rejected promise, Node\'s unhandled-rejection bookkeeping (the promise ' +
  'rejects before Fastify attaches its handler) and Fastify\'s error path (`wrapThenable`, `onErrorHook`, `handleError`, ' +
  'which also deletes headers). None of that is the error handler\'s: the targets measured against the direct-send limit ' +
  'are bounded by `throw-trivial`, and what this plugin adds on top of that floor is the last column. With logging on, ' +
  'the plugin also writes its one 4xx line (code, status, request id, no stack), which the limit does not.', '',
'The same holds for `/validate`: Fastify builds the validation error itself (with a stack trace) and sends it down ' +
  'that error path, which the `attachValidation` limit skips. The 429 shows the plugin\'s rate-limit hook costs next to nothing; the `/ok` tables show what the success path costs against plain Fastify.', '')
// Profiles and counts taken by hand (success path; the log line and telemetry by bench:micro).
for (const notes of ['./success-path.md', './log-line.md']) {
  const notesFile = fileURLToPath(new URL(notes, import.meta.url))
  if (existsSync(notesFile)) lines.push(readFileSync(notesFile, 'utf8').trimEnd(), '')
}
writeFileSync(resultsFile, lines.join('\n'))
console.log(lines.join('\n'))
