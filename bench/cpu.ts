// Server CPU per request of contenders in one process, by inject(), interleaved over rounds:
// `node --import tsx bench/cpu.ts flat-validate flat-validate-stack limit-validate`. Less sensitive to a busy
// machine than req/s (it counts this process's CPU time, not the wall clock), though not immune to it.
import { buildContender, contenders, type Contender } from './server.js'

const names = process.argv.slice(2) as Contender[]
for (const name of names) if (!(contenders as readonly string[]).includes(name)) throw new Error(`unknown contender ${name}`)
const rounds = Number(process.env.BENCH_ROUNDS ?? 5)
const requests = Number(process.env.BENCH_REQUESTS ?? 20_000)
const apps = await Promise.all(names.map(async name => await buildContender(name, false)))
const request = { method: 'POST' as const, url: '/validate', payload: '{}', headers: { 'content-type': 'application/json' } }
const samples = new Map<Contender, number[]>()
for (let round = 0; round < rounds + 1; round++) {
  for (const [i, app] of apps.entries()) {
    const start = process.cpuUsage()
    for (let n = 0; n < requests; n++) await app.inject(request)
    const used = process.cpuUsage(start)
    // Round 0 warms up.
    if (round > 0) samples.set(names[i] as Contender, [...(samples.get(names[i] as Contender) ?? []), (used.user + used.system) / requests])
  }
}
for (const name of names) {
  const xs = [...(samples.get(name) ?? [])].sort((a, b) => a - b)
  console.log(`${name}: median ${(xs[xs.length >> 1] ?? 0).toFixed(2)} µs/req (${xs.map(x => x.toFixed(2)).join(', ')})`)
}
for (const app of apps) await app.close()
