import { mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { runCli } from '../src/cli.js'
import { presetMarkdown, presetReference } from '../src/docs.js'
import { presets, type PresetName } from '../src/index.js'

const docsDir = fileURLToPath(new URL('../docs/errors/', import.meta.url))
const names = Object.keys(presets) as PresetName[]

t.test('the committed docs/errors/<preset>.md are what npm run docs writes now', async t => {
  for (const name of names) {
    const committed = readFileSync(join(docsDir, `${name}.md`), 'utf8')
    t.equal(committed, presetMarkdown(name), `docs/errors/${name}.md is stale: run npm run docs`)
  }
})

t.test('every code of every preset is in its reference, with status and retryable', async t => {
  for (const name of names) {
    const md = presetMarkdown(name)
    for (const row of presets[name].codes) {
      t.match(md, new RegExp(`\\| \`${row.code}\` \\| ${row.status} \\| [^\\n]*\\| ${row.retryable ? 'Yes' : 'No'} \\|`), `${name} ${row.code}`)
    }
  }
})

t.test('the reference says which code each framework condition gets', async t => {
  const aitbc = presetReference('aitbc')
  t.match(aitbc.conditions.find(c => c.condition === 'notFound'), { status: 404, code: 'NOT_FOUND' })
  t.match(presetReference('genai').conditions.find(c => c.condition === 'notFound'), { status: 404, code: 'ENDPOINT_NOT_FOUND' })
  t.match(presetReference('tokenbay').conditions.find(c => c.condition === 'payloadTooLarge'), { status: 413, code: 'payload_too_large' })
  t.match(presetMarkdown('sessions'), '| upstream timeout | 504 | `BACKEND_TIMEOUT` |')
})

t.test('additions to a document are marked, documented codes are not', async t => {
  const md = presetMarkdown('aitbc')
  t.match(md, '| `NOT_FOUND` * | 404 |')
  t.match(md, '| `JOB_NOT_FOUND` | 404 |')
  t.notMatch(presetMarkdown('problem'), '\\* Not in the document')
})

t.test('a sample body per format, the preset\'s own format first-class', async t => {
  const ref = presetReference('sessions')
  t.same(ref.samples.envelope, {
    success: false,
    data: null,
    error: { code: 'AUTH_INVALID_KEY', message: 'Invalid API Key', details: {} },
    meta: { request_id: 'req_1234567890' }
  })
  t.same(ref.samples.openai, { error: { message: 'Invalid API Key', type: 'invalid_request_error', param: null, code: 'AUTH_INVALID_KEY' } })
  t.match(presetMarkdown('sessions'), "### `envelope` (this preset's format)")
})

t.test('the CLI prints the same reference as Markdown or JSON', async t => {
  const md = runCli(['docs', '--preset', 'genai'])
  t.same(md, { code: 0, stdout: presetMarkdown('genai'), stderr: '' })
  const explicit = runCli(['docs', '--preset', 'genai', '--format', 'md'])
  t.equal(explicit.stdout, md.stdout)
  const json = runCli(['docs', '--preset', 'tokenbay', '--format', 'json'])
  t.equal(json.code, 0)
  t.same(JSON.parse(json.stdout), presetReference('tokenbay'))
})

t.test('the CLI refuses what it does not know, with usage and exit code 2', async t => {
  for (const args of [[], ['serve'], ['docs'], ['docs', '--preset', 'nope'], ['docs', '--preset'], ['docs', '--preset', 'aitbc', '--format', 'xml']]) {
    const result = runCli(args)
    t.equal(result.code, 2, args.join(' '))
    t.equal(result.stdout, '')
    t.match(result.stderr, /Usage:/)
  }
  t.match(runCli(['docs', '--preset', 'nope']).stderr, /unknown or missing --preset "nope"/)
  t.match(runCli(['docs', '--preset', 'aitbc', '--format', 'xml']).stderr, /unknown --format "xml"/)
})

t.test('docs --write writes one Markdown file per preset', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'fee-docs-'))
  const result = runCli(['docs', '--write', dir])
  t.equal(result.code, 0)
  t.same(readdirSync(dir).sort(), names.map(n => `${n}.md`).sort())
  t.equal(readFileSync(join(dir, 'aitbc.md'), 'utf8'), presetMarkdown('aitbc'))
})
