// npm run bench:floor: what each contender of bench/server.ts costs over a floor, in server CPU
// time per request, with the floor and every contender resident together and taking short turns.
//
// On a shared host the speed of the machine drifts by tens of per cent within a minute, and one
// process of the same code can run several per cent faster than another. `npm run bench` starts a
// server per measurement, minutes apart, and `npm run bench:ab` compares pairs that run minutes
// apart, so a difference of a few µs between two contenders' costs over the floor can come from
// either. Here each round measures the floor and every contender within seconds, the difference to
// the floor is taken within the round, and the servers are started anew for each of several sets of
// rounds, so that no one process decides the result.
//
// FLOOR_CONTENDERS=throw-trivial,flat,flat-completion-log (the first is the floor; `<checkout>:<name>`
// runs a contender of another checkout of this repository, with its own node_modules, e.g. the code
// before a change) FLOOR_PATH=/err FLOOR_LOGGING=file|0|1|sink FLOOR_SETS=3 FLOOR_ROUNDS=4 (per set)
// FLOOR_DURATION=2 (seconds per turn)
import { rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { contenders as known } from './server.js'
import { median, pinLoadGenerator, startServer, turn, type Server } from './servers.js'

const contenders = (process.env.FLOOR_CONTENDERS ?? 'throw-trivial,flat,flat-completion-log').split(',')
const path = process.env.FLOOR_PATH ?? '/err'
const logging = process.env.FLOOR_LOGGING ?? 'file'
const sets = Number(process.env.FLOOR_SETS ?? 3)
const rounds = Number(process.env.FLOOR_ROUNDS ?? 4)
const duration = Number(process.env.FLOOR_DURATION ?? 2)
if (contenders.length < 2) throw new Error('FLOOR_CONTENDERS: a floor and at least one contender')
const [floor, ...others] = contenders as [string, ...string[]]
const here = fileURLToPath(new URL('..', import.meta.url))
/** Where a contender's server runs from, and its name there. */
function located (contender: string): { checkout: string, name: string } {
  const colon = contender.lastIndexOf(':')
  if (colon !== -1) return { checkout: resolve(contender.slice(0, colon)), name: contender.slice(colon + 1) }
  if (!(known as readonly string[]).includes(contender)) throw new Error(`unknown contender ${contender}`)
  return { checkout: here, name: contender }
}
const places = new Map(contenders.map(c => [c, located(c)]))

pinLoadGenerator()

const logFile = (name: string): string => join(tmpdir(), `fee-floor-${process.pid}-${name.replace(/\W/g, '_')}.log`)
const loggingOf = (name: string): string => logging === 'file' ? logFile(name) : logging

const cpuPerRequest = async (server: Server, seconds: number): Promise<number> => (await turn(server, path, seconds)).cpu

const cpu = new Map<string, number[]>(contenders.map(c => [c, []]))
const over = new Map<string, number[]>(others.map(c => [c, []]))
const loadBefore = loadavg()[0] ?? 0
for (let set = 0; set < sets; set++) {
  const servers = new Map<string, Server>()
  try {
    for (const contender of contenders) {
      const { checkout, name } = places.get(contender) as { checkout: string, name: string }
      servers.set(contender, await startServer(checkout, name, loggingOf(contender)))
    }
    for (const name of contenders) await cpuPerRequest(servers.get(name) as Server, 1)
    for (let round = 0; round < rounds; round++) {
      // Rotate the order, so that no contender always runs right after the floor.
      const order = contenders.map((_c, i) => contenders[(i + round + set) % contenders.length] as string)
      const taken = new Map<string, number>()
      for (const name of order) taken.set(name, await cpuPerRequest(servers.get(name) as Server, duration))
      const base = taken.get(floor) as number
      for (const name of contenders) cpu.get(name)?.push(taken.get(name) as number)
      for (const name of others) over.get(name)?.push((taken.get(name) as number) - base)
      console.error(`set ${set + 1}/${sets} round ${round + 1}/${rounds}: ${order.map(c => `${c} ${(taken.get(c) as number).toFixed(1)}`).join(', ')} µs/req`)
    }
  } finally {
    for (const server of servers.values()) server.child.kill()
    if (logging === 'file') for (const name of contenders) rmSync(logFile(name), { force: true })
  }
}

const signed = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`
console.log(`\n${path}, logging ${logging}: ${sets} sets of servers × ${rounds} rounds, turns of ${duration} s, 50 connections; ` +
  `1-minute load average ${loadBefore.toFixed(2)} before, ${(loadavg()[0] ?? 0).toFixed(2)} after. Medians over rounds (min–max).\n`)
console.log(`| contender | server CPU µs/req | over \`${floor}\`, µs/req (per round) |`)
console.log('|---|---|---|')
for (const name of contenders) {
  const xs = over.get(name)
  console.log(`| ${name} | ${median(cpu.get(name) as number[]).toFixed(1)} | ${xs === undefined ? '0' : `${signed(median(xs))} (${signed(Math.min(...xs))} to ${signed(Math.max(...xs))})`} |`)
}
// Per round, each contender's cost over the floor against every other's: a ratio of two differences
// taken seconds apart, which the drift of the machine moves less than either difference.
for (const [i, a] of others.entries()) {
  for (const b of others.slice(i + 1)) {
    const ratios = (over.get(b) as number[]).map((x, round) => x / (over.get(a) as number[])[round]!)
    console.log(`\n${b} over the floor ÷ ${a} over the floor: ${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)} over ${ratios.length} rounds)`)
  }
}
