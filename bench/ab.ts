// npm run bench:ab -- <before-checkout> <after-checkout>: what a change did to the contenders of
// bench/server.ts, measured on two checkouts of this repository (each with its node_modules) side
// by side in one run, two servers at a time taking turns, rather than across two runs of
// `npm run bench` (which disagree by several per cent on the same code on a shared machine).
// AB_CONTENDERS=plain-ok,flat-ok AB_PATH=/ok AB_LOGGING=0|1|file AB_ROUNDS=6 AB_DURATION=3 (seconds per turn)
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { median, pinLoadGenerator, startServer, turn, type Server } from './servers.js'

const [before, after] = process.argv.slice(2).map(dir => resolve(dir))
if (before === undefined || after === undefined) throw new Error('usage: npm run bench:ab -- <before-checkout> <after-checkout>')
const contenders = (process.env.AB_CONTENDERS ?? 'plain-ok,ids-ok,flat-ok').split(',')
const path = process.env.AB_PATH ?? '/ok'
const logging = process.env.AB_LOGGING ?? '0'
const rounds = Number(process.env.AB_ROUNDS ?? 6)
const duration = Number(process.env.AB_DURATION ?? 3)

pinLoadGenerator()

// Two servers at a time (more resident servers slowed every one of them here, by up to 2.5×): each
// pair starts, warms up, and then takes turns for all rounds, so that both see the same machine. The
// machine's speed drifts by tens of per cent over tens of seconds here, so a ratio is taken within
// each round, between the two turns of a pair (seconds apart), and the median of those ratios is
// reported with their min–max, not a ratio of medians. Pairs: every contender against the first one,
// in each checkout, and every contender's before against its after.
interface Side { dir: string, side: 'before' | 'after', name: string }
const file = (key: string): string | undefined => logging === 'file' ? join(tmpdir(), `fee-ab-${process.pid}-${key.replace(/\W/g, '_')}.log`) : undefined
const keyOf = (run: Side): string => `${run.name} ${run.side}`

/** Per round: the second's req/s ÷ the first's, its server CPU per request ÷ the first's, and − the first's (µs). */
async function pair (a: Side, b: Side): Promise<{ rps: number[], cpu: number[], extra: number[] }> {
  const servers: Array<Server> = []
  try {
    for (const run of [a, b]) servers.push(await startServer(run.dir, run.name, file(keyOf(run)) ?? logging))
    const [first, second] = servers as [Server, Server]
    await turn(first, path, 1)
    await turn(second, path, 1)
    const rps: number[] = []
    const cpu: number[] = []
    const extra: number[] = []
    for (let round = 0; round < rounds; round++) {
      // Alternate which goes first, so that neither always follows the other.
      let x: { rps: number, cpu: number }
      let y: { rps: number, cpu: number }
      if (round % 2 === 0) {
        x = await turn(first, path, duration)
        y = await turn(second, path, duration)
      } else {
        y = await turn(second, path, duration)
        x = await turn(first, path, duration)
      }
      rps.push(y.rps / x.rps)
      cpu.push(y.cpu / x.cpu)
      extra.push(y.cpu - x.cpu)
    }
    console.error(`${keyOf(a)} → ${keyOf(b)}: req/s ratios ${rps.map(r => r.toFixed(2)).join(' ')}`)
    return { rps, cpu, extra }
  } finally {
    for (const [i, { child }] of servers.entries()) {
      child.kill()
      const log = file(keyOf([a, b][i] as Side))
      if (log !== undefined) rmSync(log, { force: true })
    }
  }
}

const first = contenders[0] as string
const side = (name: string, which: 'before' | 'after'): Side => ({ dir: which === 'before' ? before : after, side: which, name })
const rows: string[] = []
const spread = (xs: number[]): string => `${median(xs).toFixed(3)} (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`
for (const name of contenders) {
  const vsFirst = { before: name === first ? undefined : await pair(side(first, 'before'), side(name, 'before')), after: name === first ? undefined : await pair(side(first, 'after'), side(name, 'after')) }
  const change = await pair(side(name, 'before'), side(name, 'after'))
  const cell = (r: { rps: number[] } | undefined): string => r === undefined ? '1' : spread(r.rps)
  const micros = (r: { extra: number[] } | undefined): string => r === undefined ? '0' : `${median(r.extra) >= 0 ? '+' : ''}${median(r.extra).toFixed(1)}`
  rows.push(`| ${name} | ${cell(vsFirst.before)} | ${cell(vsFirst.after)} | ${micros(vsFirst.before)} | ${micros(vsFirst.after)} | ${spread(change.rps)} | ${spread(change.cpu)} |`)
}
console.log(`\n${path}, logging ${logging}; pairs of servers, ${rounds} alternating turns of ${duration} s each; medians of the per-round ratios (min–max)\n`)
console.log(`| contender | before: req/s ÷ ${first}'s | after: req/s ÷ ${first}'s | before: server CPU µs/req over ${first}'s | after: the same | after ÷ before, req/s | after ÷ before, server CPU µs/req |`)
console.log('|---|---|---|---|---|---|---|')
for (const row of rows) console.log(row)
