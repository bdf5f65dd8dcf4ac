import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import ts from 'typescript'

// Every ```ts block of README.md and docs/guides/*.md is a module of its own, type-checked
// against src/ as a user's project would see the package: a snippet a reader copies compiles.

const root = fileURLToPath(new URL('..', import.meta.url))
const guidesDir = join(root, 'docs', 'guides')

interface Block {
  /** The document's path from the repository root: `README.md`, `docs/guides/….md`. */
  guide: string
  /** 1-based line of the block's first code line in the guide. */
  line: number
  code: string
}

/** The ```ts blocks of a Markdown text, with the line each starts on. */
export function tsBlocks (guide: string, markdown: string): Block[] {
  const blocks: Block[] = []
  const lines = markdown.split('\n')
  let open: { line: number, code: string[] } | undefined
  lines.forEach((text, i) => {
    if (open === undefined) {
      if (/^```(ts|typescript)\s*$/.test(text)) open = { line: i + 2, code: [] }
    } else if (/^```\s*$/.test(text)) {
      blocks.push({ guide, line: open.line, code: open.code.join('\n') + '\n' })
      open = undefined
    } else {
      open.code.push(text)
    }
  })
  return blocks
}

const registers = /declare module 'fastify-error-envelope'/
// Type-checking two programs takes a while on a busy machine.
t.setTimeout(120_000)

t.test('the block extractor finds ts blocks and their lines, and nothing else', async t => {
  const md = 'intro\n```ts\nconst a = 1\n```\n```json\n{}\n```\n\n```typescript\nconst b = 2\nconst c = 3\n```\n'
  t.same(tsBlocks('x.md', md), [
    { guide: 'x.md', line: 3, code: 'const a = 1\n' },
    { guide: 'x.md', line: 10, code: 'const b = 2\nconst c = 3\n' }
  ])
})

t.test('every ts block in README.md and docs/guides compiles against the package', async t => {
  const guides = readdirSync(guidesDir).filter(f => f.endsWith('.md')).sort()
  t.ok(guides.length >= 4, `guides found: ${guides.join(', ')}`)
  const documents = ['README.md', ...guides.map(g => `docs/guides/${g}`)]
  const blocks = documents.flatMap(d => tsBlocks(d, readFileSync(join(root, d), 'utf8')))
  t.ok(blocks.filter(b => b.guide === 'README.md').length >= 8, 'the README\'s blocks are among them')

  const dir = mkdtempSync(join(tmpdir(), 'docs-guides-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  // An ES module project that finds the repository's packages (fastify, tap, …) as a user's would.
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }))
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir')
  mkdirSync(join(dir, 'blocks'))
  const files = new Map<string, Block>()
  for (const block of blocks) {
    const file = join(dir, 'blocks', `${block.guide.replace(/\.md$/, '').replaceAll('/', '_')}.line-${block.line}.ts`)
    writeFileSync(file, block.code)
    files.set(file, block)
  }

  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2023.d.ts'],
    types: ['node'],
    typeRoots: [join(root, 'node_modules', '@types')],
    strict: true,
    noUncheckedIndexedAccess: true,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
    paths: {
      'fastify-error-envelope': [join(root, 'src', 'index.ts')],
      'fastify-error-envelope/client': [join(root, 'src', 'client.ts')],
      'fastify-error-envelope/catalogs': [join(root, 'src', 'catalogs.ts')],
      'fastify-error-envelope/testing': [join(root, 'src', 'testing.ts')]
    }
  }
  // A guide that declares `Register` is a project of its own: the declaration narrows the codes of every file beside it.
  // The README shows the declaration in one block that stands alone, so that block alone is a project.
  const programs = new Map<string, string[]>()
  for (const [file, block] of files) {
    const key = block.guide === 'README.md'
      ? registers.test(block.code) ? `${block.guide}:${block.line}` : ''
      : blocks.some(b => b.guide === block.guide && registers.test(b.code)) ? block.guide : ''
    programs.set(key, [...programs.get(key) ?? [], file])
  }
  t.ok(programs.size >= 2, 'the compile-time-codes guide is checked in a program of its own')
  // Only the blocks are checked: diagnostics in src/ or a package are for tsc --noEmit to report, not the guides.
  let previous: ts.Program | undefined
  const diagnostics = [...programs.values()].flatMap(names => {
    const program = previous = ts.createProgram(names, options, undefined, previous)
    return [
      ...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics(),
      ...names.flatMap(name => {
        const source = program.getSourceFile(name)
        return source === undefined ? [] : [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]
      })
    ]
  })
  const perBlock = new Map<Block, string[]>([...files.values()].map(b => [b, []]))
  const unplaced: string[] = []
  for (const d of diagnostics) {
    const message = `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`
    if (d.file === undefined) {
      unplaced.push(message)
      continue
    }
    const block = files.get(d.file.fileName)
    if (block === undefined) continue
    const line = block.line + d.file.getLineAndCharacterOfPosition(d.start ?? 0).line
    perBlock.get(block)?.push(`${block.guide}:${line}: ${message}`)
  }
  for (const [block, errors] of perBlock) {
    t.same(errors, [], `${block.guide}, the block at line ${block.line}, compiles`)
  }
  t.same(unplaced, [], 'no diagnostics outside any file')
  t.ok(blocks.length >= 10, `${blocks.length} blocks checked`)
})
