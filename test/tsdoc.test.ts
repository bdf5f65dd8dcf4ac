import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'

// In a TSDoc comment `@word` starts a tag: "through @fastify/rate-limit, answered…" ends the
// hover at "through". A package name there goes in backticks (or is said in words).

const root = fileURLToPath(new URL('..', import.meta.url))

function sources (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sources(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}

/** Each `@fastify/` outside backticks in the TSDoc comments of a source text, with its 1-based line. */
export function bareScopedNames (text: string): Array<{ line: number, text: string }> {
  const found: Array<{ line: number, text: string }> = []
  for (const comment of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const first = text.slice(0, comment.index).split('\n').length
    comment[0].split('\n').forEach((line, i) => {
      if (line.replace(/`[^`\n]*`/g, '').includes('@fastify/')) found.push({ line: first + i, text: line.trim() })
    })
  }
  return found
}

t.test('the check finds a bare @fastify/ name in TSDoc and nothing else', async t => {
  const text = [
    '/** Through @fastify/rate-limit. */',
    '/** Through `@fastify/rate-limit`. */',
    '// A line comment about @fastify/rate-limit is no TSDoc.',
    '/**',
    ' * Two lines, the second',
    ' * with @fastify/sensible bare.',
    ' */'
  ].join('\n')
  t.same(bareScopedNames(text), [
    { line: 1, text: '/** Through @fastify/rate-limit. */' },
    { line: 6, text: '* with @fastify/sensible bare.' }
  ])
})

t.test('no TSDoc comment in src/ names a @fastify/ package outside backticks', async t => {
  const files = sources(join(root, 'src'))
  t.ok(files.length > 10, `${files.length} source files read`)
  const found = files.flatMap(file => bareScopedNames(readFileSync(file, 'utf8')).map(f => `${relative(root, file)}:${f.line}: ${f.text}`))
  t.same(found, [], 'put the package name in backticks, or say it in words')
})
