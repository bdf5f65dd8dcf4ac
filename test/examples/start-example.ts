import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))
// tap's process tracking still loads in children; '0' turns its coverage off there.
export const childEnv = { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0' }

/**
 * Starts an example's server.ts as its own process on a free port, as a user would,
 * and resolves with the base URL it prints. Killed in the test's teardown.
 */
export function startExample (t: { teardown: (fn: () => void) => void }, script: string, env: Record<string, string> = {}): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: root,
    env: { ...childEnv, PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  t.teardown(() => { child.kill() })
  return new Promise<string>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`no address printed: ${out}`)), 20_000)
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const match = /on (http:\/\/[^ ]+?)\.? Try/.exec(out) ?? /on (http:\/\/\S+?)\.?\s/.exec(out)
      if (match?.[1] !== undefined) {
        clearTimeout(timer)
        resolve(match[1])
      }
    })
  })
}
