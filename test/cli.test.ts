import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { runCli } from '../src/cli.js'
import { presetMarkdown } from '../src/docs.js'
import { builtCli } from './helpers/built-cli.js'

// A whole tsc build runs first: on a busy machine that alone passes tap's default 30 s.
t.setTimeout(180_000)

const { starts, run, app } = builtCli(t)

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
