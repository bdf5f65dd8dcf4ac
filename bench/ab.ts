// npm run bench:ab -- <before-checkout> <after-checkout>: the same contenders of two checkouts of
// this repository (each with its node_modules), interleaved in one run against one load generator,
// as `npm run bench` runs its contenders. What a change did, measured side by side rather than
// across two runs of `npm run bench` (which disagree by several per cent on the same code).
// AB_CONTENDERS=plain-ok,flat-ok AB_PATH=/ok AB_LOGGING=0|1|file AB_ROUNDS=5 AB_DURATION=4
import { execFileSync, fork, type ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import autocannon from 'autocannon'

const [before, after] = process.argv.slice(2).map(dir => resolve(dir))
if (before === undefined || after === undefined) throw new Error('usage: npm run bench:ab -- <before-checkout> <after-checkout>')
const contenders = (process.env.AB_CONTENDERS ?? 'plain-ok,ids-ok,flat-ok').split(',')
const path = process.env.AB_PATH ?? '/ok'
const logging = process.env.AB_LOGGING ?? '0'
const rounds = Number(process.env.AB_ROUNDS ?? 5)
const duration = Number(process.env.AB_DURATION ?? 4)

const hasTaskset = (() => { try { execFileSync('taskset', ['-V'], { stdio: 'ignore' }); return cpus().length > 1 } catch { return false } })()
if (hasTaskset) execFileSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' })

async function start (dir: string, name: string, log: string): Promise<{ child: ChildProcess, port: number }> {
  const child = fork(join(dir, 'bench/server.ts'), [name], {
    cwd: dir,
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_LOGGING: log },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc']
  })
  if (hasTaskset && child.pid !== undefined) execFileSync('taskset', ['-cp', '1', String(child.pid)], { stdio: 'ignore' })
  return await new Promise((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve({ child, port: m.port }))
    child.once('exit', code => reject(new Error(`${dir} ${name} exited with ${String(code)}`)))
  })
}

function ask<T> (child: ChildProcess, message: string): Promise<T> {
  return new Promise(resolve => { child.once('message', m => resolve(m as T)); child.send(message) })
}

async function measure (dir: string, name: string): Promise<{ rps: number, cpu: number }> {
  const file = logging === 'file' ? join(tmpdir(), `fee-ab-${process.pid}.log`) : undefined
  const { child, port } = await start(dir, name, file ?? logging)
  try {
    const url = `http://127.0.0.1:${port}${path}`
    await autocannon({ url, connections: 50, duration: 1 })
    await ask(child, 'reset')
    const result = await autocannon({ url, connections: 50, duration })
    const usage = await ask<{ cpuMicros: number }>(child, 'usage')
    return { rps: result.requests.average, cpu: usage.cpuMicros / Math.max(result.requests.total, 1) }
  } finally {
    child.kill()
    if (file !== undefined) rmSync(file, { force: true })
  }
}

const runs = contenders.flatMap(name => [{ dir: before, side: 'before', name }, { dir: after, side: 'after', name }])
const samples = new Map<string, Array<{ rps: number, cpu: number }>>()
for (let round = 0; round < rounds; round++) {
  // Rotate the order each round, so that no contender always runs first or last.
  for (let i = 0; i < runs.length; i++) {
    const run = runs[(i + round) % runs.length] as typeof runs[number]
    const sample = await measure(run.dir, run.name)
    const key = `${run.name} ${run.side}`
    samples.set(key, [...(samples.get(key) ?? []), sample])
    console.error(`round ${round + 1}/${rounds} ${key}: ${Math.round(sample.rps)} req/s, ${sample.cpu.toFixed(1)} µs/req`)
  }
}

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 === 1 ? s[m] as number : ((s[m - 1] as number) + (s[m] as number)) / 2 }
const first = contenders[0] as string
console.log(`\n${path}, logging ${logging}, ${rounds} interleaved rounds of ${duration} s; ratio = req/s ÷ ${first}'s of the same side\n`)
console.log('| contender | before req/s | after req/s | before µs/req | after µs/req | before ratio | after ratio |')
console.log('|---|---|---|---|---|---|---|')
const rps = (key: string): number => median((samples.get(key) ?? []).map(s => s.rps))
const cpu = (key: string): number => median((samples.get(key) ?? []).map(s => s.cpu))
for (const name of contenders) {
  const [b, a] = [`${name} before`, `${name} after`]
  console.log(`| ${name} | ${Math.round(rps(b))} | ${Math.round(rps(a))} | ${cpu(b).toFixed(1)} | ${cpu(a).toFixed(1)} | ${(rps(b) / rps(`${first} before`)).toFixed(2)} | ${(rps(a) / rps(`${first} after`)).toFixed(2)} |`)
}
