import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Page } from 'playwright-core'
import type { Test } from 'tap'

/**
 * A page of Debian's headless chromium in a profile of its own; the browser closes, then
 * `close()` runs (the app under test), then the profile goes, when `t` ends.
 */
export async function openPage (t: Pick<Test, 'ok' | 'teardown'>, close: () => Promise<unknown>): Promise<Page> {
  const executablePath = '/usr/bin/chromium'
  t.ok(existsSync(executablePath), `${executablePath} is installed (.ci/run installs it)`)
  const profile = mkdtempSync(join(tmpdir(), 'fee-chromium-'))
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync']
  })
  t.teardown(async () => {
    await browser.close()
    await close()
    rmSync(profile, { recursive: true, force: true })
  })
  return browser.pages()[0] ?? await browser.newPage()
}
