import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { runCli } from '../src/cli.js'
import { presetMarkdown } from '../src/docs.js'

// A whole tsc build runs first: on a busy machine that alone passes tap's default 30 s.
t.setTimeout(180_000)

// The bin as package managers start it: through a symlink, from a directory whose name has a space.
// Built into a directory of its own, so that it never races package.test.ts writing dist/.
const root = fileURLToPath(new URL('..', import.meta.url))
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
function run (script: string, args: string[], cwd?: string): { status: number | null, stdout: string, stderr: string } {
  const result = spawnSync(process.execPath, [script, ...args], { env, encoding: 'utf8', cwd })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

const starts: Array<[string, string]> = [
  ['from a directory with a space in its name', join(pkg, 'dist', 'cli.js')],
  ['through a symlinked package directory (pnpm)', join(base, 'app', 'node_modules', 'fastify-error-envelope', 'dist', 'cli.js')],
  ['through a symlink to the file under another name', join(base, 'app', 'node_modules', '.bin', 'fee-docs')]
]

t.test('the built CLI prints the reference however it is started', async t => {
  for (const [how, script] of starts) {
    const result = run(script, ['docs', '--preset', 'genai'])
    t.equal(result.status, 0, how)
    t.equal(result.stdout, presetMarkdown('genai'), how)
    t.equal(result.stderr, '', how)
  }
})

t.test('--flag=value is accepted', async t => {
  const [, script] = starts[0] as [string, string]
  const result = run(script, ['docs', '--preset=genai', '--format=md'])
  t.equal(result.status, 0)
  t.equal(result.stdout, presetMarkdown('genai'))
  t.same((await runCli(['docs', '--preset=tokenbay', '--format=json'])).code, 0)
  t.match(await runCli(['docs', '--preset=nope']), { code: 2, stderr: /unknown or missing --preset "nope"/ })
  t.match(await runCli(['docs', '--preset=']), { code: 2, stderr: /unknown or missing --preset ""/ })
})

t.test('--help and -h print the usage to stdout and exit 0', async t => {
  for (const args of [['--help'], ['-h'], ['docs', '--help'], ['docs', '-h']]) {
    const result = await runCli(args)
    t.equal(result.code, 0, args.join(' '))
    t.match(result.stdout, /^Usage:/, args.join(' '))
    t.equal(result.stderr, '', args.join(' '))
  }
  const [, script] = starts[1] as [string, string]
  const result = run(script, ['--help'])
  t.equal(result.status, 0)
  t.match(result.stdout, /^Usage:\n {2}fastify-error-envelope docs --preset/)
})

t.test('a mistake still exits 2 with the usage on stderr, also as a process', async t => {
  const [, script] = starts[2] as [string, string]
  const result = run(script, ['docs', '--preset', 'nope'])
  t.equal(result.status, 2)
  t.equal(result.stdout, '')
  t.match(result.stderr, /unknown or missing --preset "nope"\nUsage:/)
})

t.test('--errors: the built CLI prints the reference of the app\'s own catalog, from its compiled module', async t => {
  // The user's app: its errors module imports the package as any app does, and the CLI runs from its directory.
  const app = join(base, 'app')
  const spec = { JOB_LOCKED: { status: 423, message: 'Job {job_id} is locked', category: 'Job', retryable: true } }
  mkdirSync(join(app, 'dist'), { recursive: true })
  writeFileSync(join(app, 'package.json'), JSON.stringify({ type: 'module' }))
  writeFileSync(join(app, 'dist', 'errors.js'), `import { defineErrors } from 'fastify-error-envelope'\nexport const errors = defineErrors(${JSON.stringify(spec)})\n`)
  const [, script] = starts[2] as [string, string]
  const result = run(script, ['docs', '--preset', 'genai', '--errors', './dist/errors.js'], app)
  t.equal(result.stderr, '')
  t.equal(result.status, 0)
  t.equal(result.stdout, presetMarkdown('genai', spec), 'what the docs generator makes of the same preset and errors')
  t.match(result.stdout, '| `JOB_LOCKED` | 423 | Job {job_id} is locked |')

  const missing = run(script, ['docs', '--preset', 'genai', '--errors', './dist/nope.js'], app)
  t.equal(missing.status, 1)
  t.equal(missing.stdout, '')
  t.match(missing.stderr, /^fastify-error-envelope: --errors \.\/dist\/nope\.js: no such file \(.*\)\n$/, 'one line, no stack')
})
