// The CLI ran only when argv[1] spelled its own path: started through a symlink (npm, pnpm) or from a path with a space, it printed nothing and exited 0 (d8f3789).
import t from 'tap'
import { presetMarkdown } from '../../src/docs.js'
import { builtCli } from '../helpers/built-cli.js'

// A whole tsc build runs first: on a busy machine that alone passes tap's default 30 s.
t.setTimeout(180_000)
const { starts, run } = builtCli(t)

t.test('the built CLI prints the reference however it is started', async t => {
  for (const [how, script] of starts) {
    const result = run(script, ['docs', '--preset', 'genai'])
    t.equal(result.status, 0, how)
    t.equal(result.stdout, presetMarkdown('genai'), how)
    t.equal(result.stderr, '', how)
  }
})
