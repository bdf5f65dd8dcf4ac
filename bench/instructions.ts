// npm run bench:instructions [contender ...]: instructions per request of each contender's server,
// counted by valgrind's callgrind. Unlike req/s, the count does not depend on what else the machine
// runs, so it compares contenders on a busy machine. Each server runs under callgrind, is warmed up
// (the JIT settles), then counted over several batches: counters zeroed, a batch of requests, a dump.
//
// Environment: ICOUNT_WARMUP (requests before counting, default 10000), ICOUNT_REQUESTS (per batch,
// default 5000), ICOUNT_ROUNDS (batches, default 5), ICOUNT_LOGGING ('off', 'file', 'sink' (pino
// at info into a stream that drops each line: logging's JavaScript without the I/O, whose batching
// varies between batches) or 'both' (off and file), default 'both'),
// ICOUNT_CONNECTIONS (default 1: one request per turn of the event loop, so that the count does not
// depend on how many requests the machine's load lets pile up per turn).
//
// ICOUNT_INJECT=1: the requests are app.inject() calls inside the server process, one after the
// other: no sockets, no load generator competing for the CPU, so batches repeat to within a few
// percent. The count then includes light-my-request's own work; the difference between contenders
// is what each one adds to a request.
//
// Read the minimum as the cost of a request: what varies between batches is extra work (a major GC
// that lands in one batch, more connections ready at once), never less.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import autocannon from 'autocannon'
import { contenders, type Contender } from './server.js'
import { median } from './servers.js'

const warmup = Number(process.env.ICOUNT_WARMUP ?? 10_000)
const batch = Number(process.env.ICOUNT_REQUESTS ?? 5000)
const rounds = Number(process.env.ICOUNT_ROUNDS ?? 5)
const connections = Number(process.env.ICOUNT_CONNECTIONS ?? 1)
const inject = process.env.ICOUNT_INJECT === '1'
// ICOUNT_PATH: the path requested (default /ok); any other path may answer with any status, e.g. /err.
const path = process.env.ICOUNT_PATH ?? '/ok'
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
    // One thread (no concurrent compilers or GC helpers) and no bytecode flushing: JIT and GC work
    // that would otherwise land in whichever batch the clock picks.
    process.execPath, '--single-threaded', '--no-flush-bytecode', '--import', 'tsx', serverFile, name], {
    env: { ...process.env, BENCH_LOGGING: logFile ?? '0', BENCH_INJECT: inject ? '1' : '0', BENCH_PATH: path },
    stdio: ['pipe', 'pipe', 'ignore']
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

let injected: ChildProcess | undefined
async function load (port: number, amount: number): Promise<void> {
  if (injected !== undefined) {
    const child = injected
    await new Promise<void>(resolve => {
      const onData = (chunk: Buffer): void => { if (String(chunk).includes('done')) { child.stdout?.off('data', onData); resolve() } }
      child.stdout?.on('data', onData)
      child.stdin?.write(`run ${amount}\n`)
    })
    return
  }
  const result = await autocannon({ url: `http://127.0.0.1:${port}${path}`, connections, amount, timeout: 60 })
  if ((path === '/ok' && result.non2xx !== 0) || result.errors !== 0) throw new Error(`${result.non2xx} non-2xx answers, ${result.errors} errors`)
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
  const logFile = logging === 'file' ? join(dir, 'server.log') : logging === 'sink' ? 'sink' : undefined
  const { child, port } = await start(name, logFile, dir)
  injected = inject ? child : undefined
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

const k = (n: number): string => `${(n / 1000).toFixed(1)}k`

for (const logging of loggingModes) {
  console.log(`\n### logging ${logging === 'file' ? 'on (pino at info to a file)' : logging === 'sink' ? 'on (pino at info into a stream that drops each line)' : 'off'}: instructions per request, ${rounds} batches of ${batch} ` +
    `after ${warmup} warm-up requests, ${inject ? 'inject()' : `${connections} connection${connections === 1 ? '' : 's'}`}\n`)
  console.log('| contender | instructions/request (min) | median | max | first ÷ this (min) |')
  console.log('|---|---|---|---|---|')
  let first: number | undefined
  for (const name of chosen) {
    const xs = await count(name, logging)
    const min = Math.min(...xs)
    first ??= min
    console.log(`| ${name} | ${k(min)} | ${k(median(xs))} | ${k(Math.max(...xs))} | ${(first / min).toFixed(3)}× |`)
  }
}
