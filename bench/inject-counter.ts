// Shared by bench/server.ts and bench/success-variants.ts; apart from bench/servers.ts, the load
// generator's side (taskset, autocannon), which a server process has no use for.
import type { FastifyInstance } from 'fastify'

/**
 * The server side of bench/instructions.ts with BENCH_INJECT=1: `run <n>` on stdin makes n
 * inject() requests of BENCH_PATH, one after the other, then prints `done`.
 */
export function answerCounter (app: FastifyInstance): void {
  if (process.env.BENCH_INJECT !== '1') return
  let queue = Promise.resolve()
  process.stdin.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) {
      const m = /^run (\d+)/.exec(line)
      if (m === null) continue
      queue = queue.then(async () => {
        const url = process.env.BENCH_PATH ?? '/ok'
        for (let i = 0, n = Number(m[1]); i < n; i++) {
          const res = await app.inject({ method: 'GET', url })
          if (url === '/ok' && res.statusCode !== 200) throw new Error(`status ${res.statusCode}`)
        }
        console.log('done')
      })
    }
  })
}
