#!/usr/bin/env node
import { existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { assertCatalog, catalogOf, type CatalogSpec } from './catalog.js'
import { presetFile, presetMarkdown, presetReference } from './docs.js'
import { presets, type PresetName } from './presets/index.js'

const usage = `Usage:
  fastify-error-envelope docs --preset <${Object.keys(presets).join('|')}> [--errors <module>] [--format md|json]
  fastify-error-envelope docs --write <dir>     write <dir>/<preset>.md for every preset
  fastify-error-envelope --help                 this text

  --errors <module>  a JavaScript module (path from the current directory) whose export \`errors\`,
                     else its default export, is your catalog: a defineErrors() result or a plain
                     { CODE: { status, message } } object. The reference is then of the preset and
                     your codes, as the app's \`errors\` option merges them and its /errors pages serve them.
  --flag value and --flag=value are the same.`

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** The value of `--name value` or `--name=value`; '' when the flag has none. */
function flag (args: string[], name: string): string | undefined {
  for (let at = 0; at < args.length; at++) {
    const arg = args[at] as string
    if (arg === name) return args[at + 1] ?? ''
    if (arg.startsWith(name + '=')) return arg.slice(name.length + 1)
  }
  return undefined
}

/** A failure the user can fix: one line on stderr, exit 1, no stack. */
class CliFailure extends Error {}

function firstLine (err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] as string
}

/**
 * The user's catalog from the module at `path`: its `errors` export, else its default export, a
 * `defineErrors()` result or a plain spec, checked as the `errors` option checks it.
 */
async function loadErrors (path: string, cwd: string): Promise<CatalogSpec> {
  const where = `--errors ${path}`
  if (path === '') throw new CliFailure('--errors expects the path of a JavaScript module that exports your catalog')
  const file = resolve(cwd, path)
  if (!existsSync(file)) throw new CliFailure(`${where}: no such file (${file})`)
  let module: Record<string, unknown>
  try {
    module = await import(pathToFileURL(file).href) as Record<string, unknown>
  } catch (err) {
    const hint = /\.[cm]?tsx?$/.test(file) ? '; point --errors at the compiled JavaScript' : ''
    throw new CliFailure(`${where}: the module does not load: ${firstLine(err)}${hint}`)
  }
  const exported = module.errors ?? module.default
  if (exported === undefined) {
    throw new CliFailure(`${where}: the module exports neither \`errors\` nor a default export; export your defineErrors() result or plain catalog as one of them`)
  }
  const spec = catalogOf(exported)
  try {
    assertCatalog(spec, `${where}: its ${module.errors === undefined ? 'default' : '`errors`'} export`)
  } catch (err) {
    throw new CliFailure(firstLine(err))
  }
  return spec
}

/** Runs the CLI on its arguments; pure but for `--write` and loading `--errors`, so tests can call it directly. */
export async function runCli (args: string[], cwd: string = process.cwd()): Promise<CliResult> {
  if (args.includes('--help') || args.includes('-h')) return { code: 0, stdout: usage + '\n', stderr: '' }
  if (args[0] !== 'docs') return { code: 2, stdout: '', stderr: usage + '\n' }
  const dir = flag(args, '--write')
  const errorsPath = flag(args, '--errors')
  if (dir !== undefined) {
    if (errorsPath !== undefined) return { code: 2, stdout: '', stderr: `--errors goes with --preset, not --write\n${usage}\n` }
    mkdirSync(dir, { recursive: true })
    const written = Object.keys(presets).map(name => {
      const file = join(dir, `${name}.md`)
      writeFileSync(file, presetFile(name as PresetName))
      return file
    })
    return { code: 0, stdout: written.join('\n') + '\n', stderr: '' }
  }
  const preset = flag(args, '--preset')
  if (preset === undefined || !Object.hasOwn(presets, preset)) {
    return { code: 2, stdout: '', stderr: `unknown or missing --preset ${JSON.stringify(preset ?? '')}\n${usage}\n` }
  }
  const format = flag(args, '--format') ?? 'md'
  if (format !== 'md' && format !== 'json') {
    return { code: 2, stdout: '', stderr: `unknown --format ${JSON.stringify(format)}: md or json\n${usage}\n` }
  }
  let errors: CatalogSpec | undefined
  try {
    errors = errorsPath === undefined ? undefined : await loadErrors(errorsPath, cwd)
  } catch (err) {
    /* c8 ignore next -- loadErrors wraps every step a user's module can fail as a CliFailure: anything else is a bug of ours, and keeps its stack */
    if (!(err instanceof CliFailure)) throw err
    return { code: 1, stdout: '', stderr: `fastify-error-envelope: ${err.message}\n` }
  }
  return format === 'md'
    ? { code: 0, stdout: presetMarkdown(preset as PresetName, errors), stderr: '' }
    : { code: 0, stdout: JSON.stringify(presetReference(preset as PresetName, errors), null, 2) + '\n', stderr: '' }
}

/* c8 ignore start -- the entry point; the tests call runCli and run the built CLI as a process (test/cli.test.ts) */
/** Whether node was started on this file: package managers start bins through symlinks, and URLs escape spaces. */
function isMain (): boolean {
  const started = process.argv[1]
  if (started === undefined) return false
  try {
    return realpathSync(started) === realpathSync(fileURLToPath(import.meta.url))
  } catch {
    return false
  }
}

if (isMain()) {
  const result = await runCli(process.argv.slice(2))
  process.stdout.write(result.stdout)
  process.stderr.write(result.stderr)
  process.exitCode = result.code
}
/* c8 ignore stop */
