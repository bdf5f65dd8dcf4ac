import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Teardown } from '../helper.js'

export interface CliRun { status: number | null, stdout: string, stderr: string }

export interface BuiltCli {
  /** Each way package managers start the bin, named, with the script path to start. */
  starts: Array<[string, string]>
  /** Starts `script` with node and `args`; waits for it to exit. */
  run: (script: string, args: string[], cwd?: string) => CliRun
  /** The directory of an app that has the package installed (node_modules/fastify-error-envelope). */
  app: string
}

/**
 * Builds the package with tsc into a temporary directory whose name has a space, and lays
 * the bin out as package managers do: through a symlinked package (pnpm) and a symlink to
 * the file under another name (npm's .bin). Removed when `t` ends. A directory of its own,
 * so that it never races package.test.ts writing dist/.
 */
export function builtCli (t: Teardown): BuiltCli {
  const root = fileURLToPath(new URL('../..', import.meta.url))
  const base = mkdtempSync(join(tmpdir(), 'fee cli '))
  t.teardown(() => { rmSync(base, { recursive: true, force: true }) })
  const pkg = join(base, 'my project', 'pkg')
  mkdirSync(pkg, { recursive: true })
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', join(pkg, 'dist')])
  copyFileSync(join(root, 'package.json'), join(pkg, 'package.json'))
  symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'), 'dir')
  // pnpm: node_modules/<name> is a symlink to the store, and the .bin shim starts node on the path through it.
  mkdirSync(join(base, 'app', 'node_modules', '.bin'), { recursive: true })
  symlinkSync(pkg, join(base, 'app', 'node_modules', 'fastify-error-envelope'), 'dir')
  // npm: node_modules/.bin/<name> is a symlink to the file; here under another name, as a shim may be.
  symlinkSync(join(pkg, 'dist', 'cli.js'), join(base, 'app', 'node_modules', '.bin', 'fee-docs'))

  const env = { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0' }
  return {
    starts: [
      ['from a directory with a space in its name', join(pkg, 'dist', 'cli.js')],
      ['through a symlinked package directory (pnpm)', join(base, 'app', 'node_modules', 'fastify-error-envelope', 'dist', 'cli.js')],
      ['through a symlink to the file under another name', join(base, 'app', 'node_modules', '.bin', 'fee-docs')]
    ],
    app: join(base, 'app'),
    run (script, args, cwd) {
      const result = spawnSync(process.execPath, [script, ...args], { env, encoding: 'utf8', cwd })
      return { status: result.status, stdout: result.stdout, stderr: result.stderr }
    }
  }
}
