import t from 'tap'
import { runCli } from '../src/cli.js'
import { presetMarkdown } from '../src/docs.js'
import { builtCli } from './helpers/built-cli.js'

// A whole tsc build runs first: on a busy machine that alone passes tap's default 30 s.
t.setTimeout(180_000)

const { starts, run } = builtCli(t)

t.test('--flag=value is accepted', async t => {
  const [, script] = starts[0] as [string, string]
  const result = run(script, ['docs', '--preset=genai', '--format=md'])
  t.equal(result.status, 0)
  t.equal(result.stdout, presetMarkdown('genai'))
  t.same(runCli(['docs', '--preset=tokenbay', '--format=json']).code, 0)
  t.match(runCli(['docs', '--preset=nope']), { code: 2, stderr: /unknown or missing --preset "nope"/ })
  t.match(runCli(['docs', '--preset=']), { code: 2, stderr: /unknown or missing --preset ""/ })
})

t.test('--help and -h print the usage to stdout and exit 0', async t => {
  for (const args of [['--help'], ['-h'], ['docs', '--help'], ['docs', '-h']]) {
    const result = runCli(args)
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
