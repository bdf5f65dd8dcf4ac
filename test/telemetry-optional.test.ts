import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t from 'tap'
import { childEnv } from './examples/start-example.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const run = promisify(execFile)

/** Runs test/fixtures/no-otel/app.ts in a process where `@opentelemetry/api` cannot be resolved. */
async function withoutOtelApi (env: Record<string, string>): Promise<{ result: any, asked: string[] }> {
  const log = join(mkdtempSync(join(tmpdir(), 'no-otel-')), 'asked.log')
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--import', './test/fixtures/no-otel/register.mjs', 'test/fixtures/no-otel/app.ts'], {
    cwd: root,
    env: { ...childEnv, OTEL_ASKED_LOG: log, ...env },
    timeout: 60_000
  })
  const asked = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(line => line !== '') : []
  return { result: JSON.parse(stdout), asked }
}

t.test('without @opentelemetry/api installed, the plugin registers and answers every error as before', async t => {
  const { result, asked } = await withoutOtelApi({})
  t.equal(result.api, 'ERR_MODULE_NOT_FOUND', 'the process really cannot load it')
  t.same(asked.filter(s => s === '@opentelemetry/api').length, 2, 'the plugin asked once, at register (the second ask is the probe)')
  t.match(result.answers, [
    { status: 404, body: { error_code: 'JOB_NOT_FOUND' } },
    { status: 500, body: { error_code: 'SYSTEM_INTERNAL_ERROR' } },
    { status: 200, body: { ok: true } }
  ])
})

t.test('telemetry: false never asks for @opentelemetry/api', async t => {
  const { result, asked } = await withoutOtelApi({ TELEMETRY: 'false' })
  t.same(asked, ['@opentelemetry/api'], 'only the probe asked')
  t.match(result.answers, [{ status: 404 }, { status: 500 }, { status: 200 }])
})
