import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import t from 'tap'
import { runCli } from '../src/cli.js'
import { presetMarkdown, presetReference } from '../src/docs.js'
import { defineErrors, presets, type CodePageJson, type PresetName } from '../src/index.js'
import { build } from './helper.js'

// `docs --errors <module>`: the reference of the user's catalog over a preset, exactly what an app
// registered with `{ preset, errors }` serves on its /errors pages.

const dir = mkdtempSync(join(tmpdir(), 'fee-cli-errors-'))
t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
const index = pathToFileURL(join(import.meta.dirname, '..', 'src', 'index.ts')).href

// The catalog every module below exports, one way or another.
const spec = {
  JOB_LOCKED: { status: 423, message: 'Job {job_id} is locked', category: 'Job', retryable: true, resolution: 'Retry later' },
  PLAN_REQUIRED: { status: 402, message: 'This model needs a paid plan', category: 'Billing' }
} as const
const specText = JSON.stringify(spec)

function module (name: string, text: string): string {
  writeFileSync(join(dir, name), text)
  return name
}

const modules = {
  named: module('named.mjs', `import { defineErrors } from '${index}'\nexport const errors = defineErrors(${specText})\nexport const other = 1\n`),
  defaultFactories: module('default.mjs', `import { defineErrors } from '${index}'\nexport default defineErrors(${specText})\n`),
  plain: module('plain.mjs', `export default ${specText}\n`),
  // The named export wins over the default one.
  both: module('both.mjs', `export const errors = ${specText}\nexport default { NOPE: 1 }\n`)
}

t.test('the module\'s `errors` export, else its default, as factories or plain data: the same reference', async t => {
  for (const [how, file] of Object.entries(modules)) {
    const md = await runCli(['docs', '--preset', 'genai', '--errors', file], dir)
    t.same(md, { code: 0, stdout: presetMarkdown('genai', spec), stderr: '' }, how)
    const json = await runCli(['docs', '--preset=genai', `--errors=${join(dir, file)}`, '--format=json'])
    t.same(JSON.parse(json.stdout), presetReference('genai', spec), `${how}, by absolute path`)
  }
})

t.test('the reference holds the preset\'s codes and the user\'s, the user\'s unmarked and last', async t => {
  const md = presetMarkdown('aitbc', spec)
  t.ok(md.startsWith('# Error codes\n\nThe `aitbc` preset (AITBC "Error Codes and Handling") and this API\'s own codes. Body format: `flat`.'))
  t.match(md, '| `JOB_LOCKED` | 423 | Job {job_id} is locked | Job | Yes | Retry later |')
  t.match(md, '| `NOT_FOUND` * | 404 |', 'the preset\'s own additions keep their mark')
  const ref = presetReference('aitbc', { ...spec, JOB_NOT_FOUND: { status: 404, message: 'No such job' } })
  t.match(ref.codes.find(c => c.code === 'JOB_NOT_FOUND'), { message: 'No such job', documented: true, origin: 'errors' }, 'a user entry for a preset code')
  t.match(ref.codes.find(c => c.code === 'JOB_LOCKED'), { documented: false, origin: 'errors' })
  t.match(ref.codes.find(c => c.code === 'JOB_EXPIRED'), { documented: true, origin: 'document' })
})

for (const preset of Object.keys(presets) as PresetName[]) {
  t.test(`${preset}: the reference of --errors is what the app's /errors pages serve`, async t => {
    const app = await build(t, { plugin: { preset, errors: defineErrors(spec), docs: {} } })
    const json = await runCli(['docs', '--preset', preset, '--errors', modules.named, '--format', 'json'], dir)
    t.equal(json.code, 0)
    const ref = JSON.parse(json.stdout) as ReturnType<typeof presetReference>
    t.same(ref.codes.map(c => c.code), [...Object.keys(presets[preset].catalog).filter(c => !Object.hasOwn(spec, c)), ...Object.keys(spec)].sort((a, b) =>
      ref.codes.findIndex(c => c.code === a) - ref.codes.findIndex(c => c.code === b)), 'every code of the merged catalog, once')
    const indexPage = await app.inject('/errors')
    for (const { documented, origin, ...row } of ref.codes) {
      const page = await app.inject({ url: `/errors/${row.code}`, headers: { accept: 'application/json' } })
      const { sample, ...served } = page.json<CodePageJson>()
      t.same(served, row, `${row.code}: the served row is the reference's`)
      if (row.code === ref.codes.find(c => c.documented)?.code) {
        // With the pages served, a problem's `type` links to its page; the reference is of an app without them.
        const expected = ref.format === 'problem' ? { ...ref.samples.problem as object, type: `/errors/${row.code}` } : ref.samples[ref.format]
        t.same(sample, expected, `${row.code}: and so is its sample`)
      }
      t.match(indexPage.body, `id="${row.code}"`, `${row.code}: on the index page`)
    }
  })
}

t.test('a bad --errors fails with one clear line and exit 1, never a stack', async t => {
  const cases: Array<[string, string, RegExp]> = [
    ['a missing file', 'nope.mjs', /^fastify-error-envelope: --errors nope\.mjs: no such file \(.*nope\.mjs\)\n$/],
    ['an empty path', '', /^fastify-error-envelope: --errors expects the path of a JavaScript module that exports your catalog\n$/],
    ['no catalog export', module('none.mjs', 'export const port = 3000\n'), /^fastify-error-envelope: --errors none\.mjs: the module exports neither `errors` nor a default export; export your defineErrors\(\) result or plain catalog as one of them\n$/],
    ['a default that is no catalog', module('string.mjs', 'export default \'genai\'\n'), /^fastify-error-envelope: --errors string\.mjs: its default export expects an object of error codes, instead got 'genai'\n$/],
    ['a bad entry', module('bad-entry.mjs', 'export const errors = { X: { status: 200, message: \'ok\' } }\n'), /^fastify-error-envelope: --errors bad-entry\.mjs: its `errors` export\.X\.status expects an integer from 400 to 599, instead got 200\n$/],
    ['a module that throws', module('throws.mjs', 'throw new Error(\'no DATABASE_URL\\nat line 2\')\n'), /^fastify-error-envelope: --errors throws\.mjs: the module does not load: no DATABASE_URL\n$/],
    ['a module that throws a string', module('throws-string.mjs', 'throw \'no REDIS_URL\'\n'), /^fastify-error-envelope: --errors throws-string\.mjs: the module does not load: no REDIS_URL\n$/],
    ['a syntax error', module('syntax.mjs', 'export default {\n'), /^fastify-error-envelope: --errors syntax\.mjs: the module does not load: .+\n$/],
    // Node loads no TypeScript (before 22.6); under a loader that does, a broken one fails the same way.
    ['TypeScript source', module('errors.ts', 'export default {\n'), /^fastify-error-envelope: --errors errors\.ts: the module does not load: .+; point --errors at the compiled JavaScript\n$/]
  ]
  for (const [what, file, stderr] of cases) {
    const result = await runCli(['docs', '--preset', 'genai', '--errors', file], dir)
    t.equal(result.code, 1, what)
    t.equal(result.stdout, '', what)
    t.match(result.stderr, stderr, what)
    t.notMatch(result.stderr, /\n\s+at /, `${what}: no stack`)
  }
  t.match(await runCli(['docs', '--write', dir, '--errors', modules.named], dir), { code: 2, stderr: /^--errors goes with --preset, not --write\nUsage:/ })
})
