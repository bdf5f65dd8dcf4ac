#!/usr/bin/env node
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { presetMarkdown, presetReference } from './docs.js'
import { presets, type PresetName } from './presets/index.js'

const usage = `Usage:
  fastify-error-envelope docs --preset <${Object.keys(presets).join('|')}> [--format md|json]
  fastify-error-envelope docs --write <dir>     write <dir>/<preset>.md for every preset
  fastify-error-envelope --help                 this text

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

/** Runs the CLI on its arguments; pure but for `--write`, so tests can call it directly. */
export function runCli (args: string[]): CliResult {
  if (args.includes('--help') || args.includes('-h')) return { code: 0, stdout: usage + '\n', stderr: '' }
  if (args[0] !== 'docs') return { code: 2, stdout: '', stderr: usage + '\n' }
  const dir = flag(args, '--write')
  if (dir !== undefined) {
    mkdirSync(dir, { recursive: true })
    const written = Object.keys(presets).map(name => {
      const file = join(dir, `${name}.md`)
      writeFileSync(file, presetMarkdown(name as PresetName))
      return file
    })
    return { code: 0, stdout: written.join('\n') + '\n', stderr: '' }
  }
  const preset = flag(args, '--preset')
  if (preset === undefined || !Object.hasOwn(presets, preset)) {
    return { code: 2, stdout: '', stderr: `unknown or missing --preset ${JSON.stringify(preset ?? '')}\n${usage}\n` }
  }
  const format = flag(args, '--format') ?? 'md'
  if (format === 'md') return { code: 0, stdout: presetMarkdown(preset as PresetName), stderr: '' }
  if (format === 'json') return { code: 0, stdout: JSON.stringify(presetReference(preset as PresetName), null, 2) + '\n', stderr: '' }
  return { code: 2, stdout: '', stderr: `unknown --format ${JSON.stringify(format)}: md or json\n${usage}\n` }
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
  const result = runCli(process.argv.slice(2))
  process.stdout.write(result.stdout)
  process.stderr.write(result.stderr)
  process.exitCode = result.code
}
/* c8 ignore stop */
