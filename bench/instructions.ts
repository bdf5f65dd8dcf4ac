// npm run bench:instructions [contender ...]: instructions per request of each contender's server,
// counted by valgrind's callgrind. Unlike req/s, the count does not depend on what else the machine
// runs, so it compares contenders on a busy machine. Each server runs under callgrind, is warmed up
// (the JIT settles), then counted over several batches: counters zeroed, a batch of requests, a dump.
//
// Environment: ICOUNT_WARMUP (requests before counting, default 20000), ICOUNT_REQUESTS (per batch,
// default 4000), ICOUNT_ROUNDS (batches, default 3), ICOUNT_LOGGING ('off', 'file' or 'both', default 'both').
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import autocannon from 'autocannon'
import { contenders, type Contender } from './server.js'

const warmup = Number(process.env.ICOUNT_WARMUP ?? 20_000)
const batch = Number(process.env.ICOUNT_REQUESTS ?? 4000)
const rounds = Number(process.env.ICOUNT_ROUNDS ?? 3)
const loggingModes = (process.env.ICOUNT_LOGGING ?? 'both') === 'both' ? ['off', 'file'] : [process.env.ICOUNT_LOGGING ?? 'off']
// ICOUNT_SERVER: another server file with the same protocol (prints `port <n>`), for trying variants.
const serverFile = process.env.ICOUNT_SERVER ?? fileURLToPath(new URL('./server.ts', import.meta.url))
const run = promisify(execFile)

const asked = process.argv.slice(2)
for (const name of asked) {
  if (process.env.ICOUNT_SERVER === undefined && !(contenders as readonly string[]).includes(name)) throw new Error(`unknown contender ${name}`)
}
const chosen = (asked.length > 0 ? asked : ['plain-ok', 'ids-ok', 'flat-ok', 'rate-limit-own-ok', 'flat-rate-limit-ok']) as Contender[]

async function start (name: Contender, logFile: string | undefined, dir: string): Promise<{ child: ChildProcess, port: number }> {
  const child = spawn('valgrind', ['--tool=callgrind', `--callgrind-out-file=${join(dir, 'cg.out')}`,
    process.execPath, '--import', 'tsx', serverFile, name], {
    env: { ...process.env, BENCH_LOGGING: logFile ?? '0' },
    stdio: ['ignore', 'pipe', 'ignore']
  })
  return await new Promise((resolve, reject) => {
    let out = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      out += String(chunk)
      const m = /port (\d+)/.exec(out)
      if (m !== null) resolve({ child, port: Number(m[1]) })
    })
    child.once('exit', code => reject(new Error(`${name} exited with ${String(code)}`)))
  })
}

async function load (port: number, amount: number): Promise<void> {
  const result = await autocannon({ url: `http://127.0.0.1:${port}/ok`, connections: 10, amount, timeout: 60 })
  if (result.non2xx !== 0 || result.errors !== 0) throw new Error(`${result.non2xx} non-2xx answers, ${result.errors} errors`)
}

function newestTotal (dir: string): number {
  const dumps = readdirSync(dir).filter(f => f.startsWith('cg.out')).map(f => join(dir, f))
  const newest = dumps.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]
  if (newest === undefined) throw new Error('no callgrind dump')
  const m = /^totals: (\d+)/m.exec(readFileSync(newest, 'utf8')) ?? /^summary: (\d+)/m.exec(readFileSync(newest, 'utf8'))
  if (m === null) throw new Error(`no totals in ${newest}`)
  return Number(m[1])
}

async function count (name: Contender, logging: string): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'icount-'))
  const logFile = logging === 'file' ? join(dir, 'server.log') : undefined
  const { child, port } = await start(name, logFile, dir)
  try {
    await load(port, warmup)
    const perRequest: number[] = []
    for (let i = 0; i < rounds; i++) {
      await run('callgrind_control', ['-z', String(child.pid)])
      await load(port, batch)
      await run('callgrind_control', ['-d', String(child.pid)])
      perRequest.push(newestTotal(dir) / batch)
    }
    return perRequest
  } finally {
    child.kill('SIGTERM')
    await new Promise(resolve => child.once('exit', resolve))
    rmSync(dir, { recursive: true, force: true })
  }
}

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 === 1 ? s[m] as number : ((s[m - 1] as number) + (s[m] as number)) / 2 }
const k = (n: number): string => `${(n / 1000).toFixed(1)}k`

for (const logging of loggingModes) {
  console.log(`\n### logging ${logging === 'file' ? 'on (pino at info to a file)' : 'off'}: instructions per request, ${rounds} batches of ${batch} after ${warmup} warm-up requests\n`)
  console.log('| contender | instructions/request (median) | min–max | ÷ first |')
  console.log('|---|---|---|---|')
  let first: number | undefined
  for (const name of chosen) {
    const xs = await count(name, logging)
    const m = median(xs)
    first ??= m
    console.log(`| ${name} | ${k(m)} | ${k(Math.min(...xs))}–${k(Math.max(...xs))} | ${(m / first).toFixed(3)} |`)
  }
}
