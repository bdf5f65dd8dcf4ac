// What the timing benches share: a server of bench/server.ts in a process of its own on core 1,
// the load generator (this process) on core 0, and the server's own CPU time per request.
import { execFileSync, fork, type ChildProcess } from 'node:child_process'
import { cpus } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'

export const hasTaskset = (() => { try { execFileSync('taskset', ['-V'], { stdio: 'ignore' }); return cpus().length > 1 } catch { return false } })()

/** The load generator (this process) on core 0, each server on core 1: they do not steal each other's time. */
export function pinLoadGenerator (): void {
  if (hasTaskset) execFileSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' })
}

export interface Server { child: ChildProcess, port: number }

/**
 * Starts contender `name` of `checkout`'s bench/server.ts. `logging`: `false`, `true` (pino to
 * /dev/null), `'sink'`, or a file's path (bench/server.ts's buildContender).
 */
export function startServer (checkout: string, name: string, logging: boolean | string): Promise<Server> {
  const child = fork(join(checkout, 'bench/server.ts'), [name], {
    cwd: checkout,
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_LOGGING: typeof logging === 'string' ? logging : logging ? '1' : '0' },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc']
  })
  if (hasTaskset && child.pid !== undefined) execFileSync('taskset', ['-cp', '1', String(child.pid)], { stdio: 'ignore' })
  return new Promise((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve({ child, port: m.port }))
    child.once('exit', code => reject(new Error(`${checkout} ${name} exited with ${String(code)}`)))
  })
}

export function ask<T> (child: ChildProcess, message: string): Promise<T> {
  return new Promise(resolve => { child.once('message', m => resolve(m as T)); child.send(message) })
}

/**
 * One turn of load on `server`: its req/s over the whole turn (autocannon's per-second average leaves
 * out a turn's last, partial second) and its own CPU time per request, user and system.
 */
export async function turn (server: Server, path: string, seconds: number): Promise<{ rps: number, cpu: number }> {
  await ask(server.child, 'reset')
  const result = await autocannon({ url: `http://127.0.0.1:${server.port}${path}`, connections: 50, duration: seconds })
  const usage = await ask<{ cpuMicros: number }>(server.child, 'usage')
  return { rps: result.requests.total / result.duration, cpu: usage.cpuMicros / Math.max(result.requests.total, 1) }
}

export const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 === 1 ? s[m] as number : ((s[m - 1] as number) + (s[m] as number)) / 2 }
