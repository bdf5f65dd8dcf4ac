import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'

const root = fileURLToPath(new URL('..', import.meta.url))
// Children run without tap coverage: their source maps (dist → src, tsx → src) would blur the report.
// tap's process tracking still loads in children; '0' turns its coverage off there.
const env = { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0' }
// A build and a consumer's tsc run: more than tap's default 30 s on two busy cores.
t.setTimeout(180_000)
const node = (args: string[]): string => execFileSync(process.execPath, args, { cwd: root, env, encoding: 'utf8' })
const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url))

t.test('npm run build makes a package that imports by name from ESM and CommonJS', async t => {
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root })

  const esm = node(['--input-type=module', '-e', `
    import Fastify from 'fastify'
    import errorEnvelope, { ApiError, defineErrors, presets, requestIdOptions, clientErrorHandler } from 'fastify-error-envelope'
    const app = Fastify({ ...requestIdOptions({ generate: () => 'req-1' }), clientErrorHandler })
    await app.register(errorEnvelope)
    app.get('/', async () => { throw new ApiError('JOB_EXPIRED') })
    const res = await app.inject('/')
    console.log(JSON.stringify({ status: res.statusCode, body: res.json(), define: typeof defineErrors, codes: presets.aitbc.codes.length }))
  `])
  t.same(JSON.parse(esm), {
    status: 410,
    body: { detail: 'Job deadline passed', error_code: 'JOB_EXPIRED', request_id: 'req-1' },
    define: 'function',
    codes: 31
  })

  const cjs = node(['-e', `
    const m = require('fastify-error-envelope')
    console.log([typeof m.default, typeof m.ApiError, typeof m.clientErrorHandler].join(','))
  `])
  t.equal(cjs.trim(), 'function,function,function')

  // What `npx fastify-error-envelope docs …` runs: the package's bin.
  const bin = (JSON.parse(node(['-p', 'JSON.stringify(require("./package.json").bin)'])) as Record<string, string>)['fastify-error-envelope']
  t.equal(bin, './dist/cli.js')
  const json = JSON.parse(node([bin as string, 'docs', '--preset', 'tokenbay', '--format', 'json']))
  t.equal(json.preset, 'tokenbay')
  t.equal(json.codes.find((c: { code: string }) => c.code === 'account_rate_limited').status, 429)
  t.match(node([bin as string, 'docs', '--preset', 'aitbc']), /^# `aitbc` preset\n\nSource: AITBC "Error Codes and Handling"\./)
})

interface PackageJson {
  exports: Record<string, string | { types: string, default: string }>
  typesVersions: Record<string, Record<string, string[]>>
  files: string[]
  scripts: Record<string, string>
  repository: { url: string }
  homepage: string
  bugs: { url: string }
}
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson
const repo = 'https://github.com/fastify-error-envelope/fastify-error-envelope'

// The tests below use the dist/ that the first one built.
t.test('every export of the built package has its file and its types; the browser entries import by name', async t => {
  t.same(Object.keys(pkg.exports), ['.', './client', './catalogs', './testing', './package.json'])
  for (const [name, target] of Object.entries(pkg.exports)) {
    if (typeof target === 'string') continue
    t.ok(existsSync(join(root, target.default)), `${name} → ${target.default}`)
    t.ok(existsSync(join(root, target.types)), `${name} → ${target.types}`)
    // Under moduleResolution "node", which ignores `exports`, typesVersions gives the subpath the same types.
    if (name !== '.') t.same(pkg.typesVersions['*']?.[name.slice(2)], [target.types], `typesVersions for ${name}`)
  }

  const out = node(['--input-type=module', '-e', `
    import { presets } from 'fastify-error-envelope'
    import { catalogs } from 'fastify-error-envelope/catalogs'
    import { parseApiError } from 'fastify-error-envelope/client'
    import * as testing from 'fastify-error-envelope/testing'
    const error = await parseApiError({ statusCode: 410, headers: {}, body: JSON.stringify({ detail: 'Job deadline passed', error_code: 'JOB_EXPIRED', request_id: 'req-1' }) })
    console.log(JSON.stringify({
      codes: catalogs.aitbc.codes.length,
      names: Object.keys(catalogs),
      sameData: Object.keys(catalogs).every(name => presets[name].catalog === catalogs[name].catalog),
      factories: 'errors' in catalogs.aitbc,
      client: [error.code, error.retry],
      testing: Object.keys(testing).length > 0
    }))
  `])
  t.same(JSON.parse(out), {
    codes: 31,
    names: ['aitbc', 'genai', 'sessions', 'tokenbay', 'problem'],
    sameData: true,
    factories: false,
    client: ['JOB_EXPIRED', 'do_not_retry'],
    testing: true
  })
})

t.test('a consumer compiled with moduleResolution "node" (no exports map) finds the types of every entry', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'fee-consumer-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  mkdirSync(join(dir, 'node_modules'))
  symlinkSync(root, join(dir, 'node_modules', 'fastify-error-envelope'), 'dir')
  writeFileSync(join(dir, 'consumer.ts'), `
    import { presets } from 'fastify-error-envelope'
    import { catalogs, type CodeRow } from 'fastify-error-envelope/catalogs'
    import { ApiClientError, parseApiError, type RetryPolicy } from 'fastify-error-envelope/client'
    import * as testing from 'fastify-error-envelope/testing'

    const rows: CodeRow[] = catalogs.aitbc.codes
    const status: 410 = catalogs.aitbc.catalog.JOB_EXPIRED.status
    const expired: 'JOB_EXPIRED' = presets.aitbc.errors.JOB_EXPIRED.code
    const policy: RetryPolicy = { maxAttempts: 2 }
    export const all = [rows, status, expired, policy, parseApiError, ApiClientError, testing]
  `)
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { module: 'commonjs', moduleResolution: 'node', target: 'ES2022', lib: ['ES2023', 'DOM'], strict: true, noEmit: true, skipLibCheck: true, types: [] },
    files: ['consumer.ts']
  }))
  let output = ''
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8' })
  } catch (err) {
    output = String((err as { stdout?: unknown }).stdout)
  }
  t.equal(output, '', 'tsc reports nothing')
})

t.test('the tarball: built fresh by prepack, holding every file the README links to', async t => {
  t.match(pkg.scripts.prepack, /npm run clean && npm run build/, 'a stale or missing dist/ is never published')
  t.match(pkg.scripts.clean, /rmSync\('dist'/)
  t.equal(pkg.repository.url, `git+${repo}.git`)
  t.equal(pkg.homepage, `${repo}#readme`)
  t.equal(pkg.bugs.url, `${repo}/issues`)

  // --ignore-scripts: the list, without running prepack's build here.
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  const packed = JSON.parse(execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, env, encoding: 'utf8' })) as Array<{ files: Array<{ path: string }> }>
  const files = (packed[0]?.files ?? []).map(file => file.path)
  for (const expected of ['dist/index.js', 'dist/client.js', 'dist/client/retry.js', 'dist/catalogs.js', 'dist/catalogs.d.ts', 'dist/testing.d.ts', 'docs/safety.md', 'README.md', 'LICENSE']) {
    t.ok(files.includes(expected), `packs ${expected}`)
  }
  t.notOk(files.some(file => file.startsWith('test/') || file.startsWith('bench/') || file.startsWith('examples/')), 'no tests, benches or examples')

  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map(match => match[1] as string)
  const relative = links.filter(link => !/^[a-z]+:/.test(link) && !link.startsWith('#'))
  t.ok(relative.length >= 5, 'the README links into docs/')
  for (const link of relative) {
    const path = link.split('#')[0]?.replace(/\/$/, '') as string
    t.ok(files.includes(path) || files.some(file => file.startsWith(`${path}/`)), `${link} is in the tarball`)
  }
  // What is not in the tarball is linked on GitHub, and must exist in the repository.
  for (const link of links.filter(link => link.startsWith(`${repo}/`))) {
    const path = link.replace(new RegExp(`^${repo}/(?:tree|blob)/main/`), '').split('#')[0] as string
    t.ok(existsSync(join(root, path)), `${link} exists in the repository`)
  }
})
