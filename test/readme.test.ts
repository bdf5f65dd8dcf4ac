import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import ts from 'typescript'

// The README is where a newcomer finds every option and every entry point; these tests keep it
// from drifting behind the code. (Its TypeScript blocks are compiled by test/docs-guides.test.ts.)

const root = fileURLToPath(new URL('..', import.meta.url))
const readme = readFileSync(join(root, 'README.md'), 'utf8')

/** The section of a Markdown text under `## heading`, up to the next `## `. */
function section (markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`)
  if (start === -1) return ''
  const end = markdown.indexOf('\n## ', start + 1)
  return markdown.slice(start, end === -1 ? undefined : end)
}

/** The first cells of a section's table rows: `` `preset` ``, `` `validation.allErrors` ``, … */
function optionCells (text: string): string[] {
  return [...text.matchAll(/^\| `([^`]+)`/gm)].map(m => m[1] as string)
}

/** The options of the public `ErrorEnvelopeOptions` type, each with the members of its object type (one level down). */
function publicOptions (): Map<string, string[]> {
  const entry = join(root, 'src', 'index.ts')
  const program = ts.createProgram([entry], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    skipLibCheck: true,
    noEmit: true
  })
  const checker = program.getTypeChecker()
  const source = program.getSourceFile(entry) as ts.SourceFile
  const exported = checker.getExportsOfModule(checker.getSymbolAtLocation(source) as ts.Symbol)
  const symbol = exported.find(s => s.name === 'ErrorEnvelopeOptions')
  if (symbol === undefined) throw new Error('ErrorEnvelopeOptions is not exported from src/index.ts')
  const type = checker.getDeclaredTypeOfSymbol(checker.getAliasedSymbol(symbol))
  const options = new Map<string, string[]>()
  for (const property of type.getProperties()) {
    const propertyType = checker.getNonNullableType(checker.getTypeOfSymbol(property))
    const parts = propertyType.isUnion() ? propertyType.types : [propertyType]
    const members = parts
      // Plain option objects: not functions, not arrays, not records of user keys.
      .filter(part => (part.flags & (ts.TypeFlags.Object | ts.TypeFlags.Intersection)) !== 0 && part.getCallSignatures().length === 0 &&
        !checker.isArrayType(part) && part.getStringIndexType() === undefined)
      .flatMap(part => part.getProperties().map(member => member.name))
    options.set(property.name, [...new Set(members)])
  }
  return options
}

t.test('every option of ErrorEnvelopeOptions has a row in the README\'s Options table, and its members are named', async t => {
  const options = publicOptions()
  t.ok(options.size >= 16, `${options.size} options: ${[...options.keys()].join(', ')}`)
  t.ok(options.has('mapError'), 'mapError is an option')
  const table = section(readme, 'Options')
  const cells = optionCells(table)
  t.ok(cells.length >= 16, 'the Options table is found')
  // The code spans of every option table's rows (the rateLimit options have a table of their own):
  // a member is named as `member`, `option.member` or inside `{ member?, … }`.
  const spans = readme.split('\n').filter(line => /^\| `/.test(line)).flatMap(line => [...line.matchAll(/`([^`]+)`/g)].map(m => m[1] as string))
  for (const [option, members] of options) {
    t.ok(cells.some(cell => cell === option || cell.startsWith(`${option}.`)), `'${option}' has a row`)
    for (const member of members) {
      t.ok(spans.some(span => new RegExp(`(?<![\\w'])${member}(?![\\w'])`).test(span)), `'${option}.${member}' is named in a table row`)
    }
  }
  for (const cell of cells) {
    t.ok(options.has(cell.split('.')[0] as string), `the row '${cell}' is an option that exists`)
  }
})

t.test('the README names every entry point of the package and links the guides\' index', async t => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown>, bin: Record<string, string> }
  const entries = Object.keys(pkg.exports).filter(key => key !== './package.json')
  t.ok(entries.length >= 4)
  for (const key of entries) {
    const name = key === '.' ? 'fastify-error-envelope' : `fastify-error-envelope/${key.slice(2)}`
    t.match(readme, `\`${name}\``, `${name} is named`)
  }
  for (const bin of Object.keys(pkg.bin)) t.match(readme, `npx ${bin} docs`, `the CLI ${bin} is named`)
  t.match(readme, '](docs/README.md)', 'docs/README.md is linked')
  for (const guide of readdirSync(join(root, 'docs', 'guides')).filter(f => f.endsWith('.md'))) {
    t.match(readFileSync(join(root, 'docs', 'README.md'), 'utf8'), `](guides/${guide})`, `docs/README.md links ${guide}`)
  }
})

t.test('the README, docs/ and the examples call the error documents by their names, not the repository\'s seed files', async t => {
  const guides = readdirSync(join(root, 'docs', 'guides')).map(f => `docs/guides/${f}`)
  const pages = readdirSync(join(root, 'docs')).filter(f => f.endsWith('.md')).map(f => `docs/${f}`)
  const examples = readdirSync(join(root, 'examples'), { withFileTypes: true }).filter(d => d.isDirectory()).map(d => `examples/${d.name}/README.md`)
  // docs/errors/ is generated by `npm run docs`; its header names its source, as the issue allows.
  for (const file of ['README.md', ...pages, ...guides, ...examples]) {
    let text: string
    try {
      text = readFileSync(join(root, file), 'utf8')
    } catch {
      continue
    }
    const hits = text.split('\n').map((line, i) => [i + 1, line] as const).filter(([, line]) => /\bseeds?\b|\bseed \d{3}/i.test(line))
    t.same(hits, [], `${file} says no "seed"`)
  }
})
