import { codeRow, type CatalogSpec, type CodeRow } from './catalog.js'
import { buildFormat, formatNames, type FormatName } from './formats/index.js'
import { makeFactory } from './errors.js'
import { toErrorAnswer, type AnswerContext } from './answer.js'
import type { Condition, PresetName } from './presets/index.js'
import { resolvePreset } from './presets/resolve.js'
import type { Format } from './record.js'
import { defaultRedactKeys, redactPattern } from './safe.js'

/** In the order a reader meets them: what the framework raises, in words. */
const conditionNames: Array<[Condition, string]> = [
  ['validation.required', 'request validation: a required field is missing'],
  ['validation.type', 'request validation: a field has the wrong type'],
  ['validation.range', 'request validation: min/max, length or item count'],
  ['validation.format', 'request validation: format or pattern'],
  ['validation.enum', 'request validation: a value not in the enum'],
  ['validation.invalid', 'request validation: any other keyword'],
  ['notFound', 'no route matched'],
  ['malformedBody', 'malformed JSON body'],
  ['emptyBody', 'empty JSON body'],
  ['unsupportedMediaType', 'unsupported content type'],
  ['payloadTooLarge', 'body over the size limit'],
  ['badHttp', 'malformed HTTP (clientErrorHandler)'],
  ['clientError', 'any other 4xx error'],
  ['rateLimited', 'rate limited'],
  ['quotaExceeded', 'quota exhausted'],
  ['overloaded', 'overloaded'],
  ['maintenance', 'maintenance'],
  ['upstream', 'upstream failure'],
  ['upstreamTimeout', 'upstream timeout'],
  ['internal', 'unknown error (message hidden)']
]

/** Where a code of a reference comes from: the preset's document, the preset's own additions, or the user's catalog. */
export type CodeOrigin = 'document' | 'preset' | 'errors'

export interface PresetReference {
  preset: PresetName
  /** The name of the preset's document, as its users know it. */
  source: string
  format: FormatName
  /**
   * The catalog's rows; `documented` is false for codes the document does not list (the preset's
   * additions and the user's codes); `origin` says whose entry the row shows (`errors`: the user's).
   */
  codes: Array<CodeRow & { documented: boolean, origin: CodeOrigin }>
  conditions: Array<{ condition: Condition, description: string, status: number, code: string }>
  /** A sample body of the first documented code, in each built-in format. */
  samples: Record<FormatName, unknown>
}

const sampleRequestId = 'req_1234567890'
const sampleTimestamp = '2024-01-01T00:00:00Z'

/**
 * The body `format` makes of `code` exactly as the API answers a route that throws the code's
 * factory with no arguments (a 5xx shows what it would show, a field-specific code its field),
 * with a fixed request id, time and path. Throws when the format fails on the code.
 */
export function sampleBody (code: string, opts: AnswerContext, format: Format): unknown {
  const entry = opts.catalog.get(code)
  /* c8 ignore next -- both callers (presetReference, the docs site) pass codes they read from this catalog */
  if (entry === undefined) throw new TypeError(`fastify-error-envelope: no code '${code}' in the active catalog`)
  const { record } = toErrorAnswer(makeFactory(code, entry)(), { requestId: sampleRequestId, instance: '/v1/example', method: 'GET' }, opts)
  record.timestamp = sampleTimestamp
  return format.build(record)
}

/**
 * Everything a preset answers, as data: the source of the generated docs and of `--format json`.
 * With `errors` (a checked catalog spec, as the `errors` option takes it), the preset's catalog with
 * the user's codes merged over it: what an app registered with `{ preset, errors }` answers and serves.
 */
export function presetReference (name: PresetName, errors?: CatalogSpec): PresetReference {
  const preset = resolvePreset(name, errors)
  // The answer of an app registered with this preset, these errors and no other option.
  const context: AnswerContext = { ...preset, exposeInternalErrors: false, redact: redactPattern(defaultRedactKeys), now: () => new Date(), docs: undefined }
  const codes = [...preset.catalog].map(([code, entry]) => {
    const origin: CodeOrigin = errors !== undefined && Object.hasOwn(errors, code) ? 'errors' : preset.documented.has(code) ? 'document' : 'preset'
    return { ...codeRow(code, entry), documented: preset.documented.has(code), origin }
  })
  const conditions = conditionNames.map(([condition, description]) => {
    const target = preset.conditions[condition]
    return { condition, description, status: target.status, code: target.code }
  })
  const first = codes.find(c => c.documented) as CodeRow
  const samples = {} as Record<FormatName, unknown>
  for (const format of formatNames) {
    const spec = preset.format.name === format ? preset.format : { name: format }
    samples[format] = sampleBody(first.code, context, buildFormat(spec, false))
  }
  return { preset: name, source: preset.source, format: preset.format.name, codes, conditions, samples }
}

function cell (value: string | undefined): string {
  return value === undefined || value === '' ? '—' : value.replaceAll('|', '\\|')
}

/**
 * The Markdown reference of one preset (with `errors`, of the preset and the user's catalog), as the
 * CLI prints it: the reference alone, nothing about this repository.
 */
export function presetMarkdown (name: PresetName, errors?: CatalogSpec): string {
  const ref = presetReference(name, errors)
  const hasDescription = ref.codes.some(c => c.description !== undefined)
  const hasField = ref.codes.some(c => c.field !== undefined)
  const hasRetry = ref.codes.some(c => c.retry !== undefined)
  const head = ['Code', 'HTTP', 'Message', ...(hasDescription ? ['Description'] : []), 'Category', 'Retryable',
    ...(hasField ? ['Field'] : []), 'Resolution', ...(hasRetry ? ['Retry'] : [])]
  const rows = ref.codes.map(c => [
    `\`${c.code}\`${c.origin === 'preset' ? ' *' : ''}`, String(c.status), cell(c.message),
    ...(hasDescription ? [cell(c.description)] : []), cell(c.category), c.retryable ? 'Yes' : 'No',
    ...(hasField ? [c.field === undefined ? '—' : `\`${c.field}\``] : []), cell(c.resolution),
    ...(hasRetry ? [cell(c.retry)] : [])
  ])
  const table = (header: string[], body: string[][]): string =>
    [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...body.map(r => `| ${r.join(' | ')} |`)].join('\n')
  const additions = ref.codes.some(c => c.origin === 'preset')
    ? '\n\n\\* Not in the document: this preset adds the code for an HTTP condition the document names no code for.'
    : ''
  /* c8 ignore next -- every shipped preset documents codes: the fallback only keeps the type a string */
  const sampleCode = ref.codes.find(c => c.documented)?.code ?? ''
  const samples = formatNames.map(format =>
    `### \`${format}\`${format === ref.format ? ' (this preset\'s format)' : ''}\n\n\`\`\`json\n${JSON.stringify(ref.samples[format], null, 2)}\n\`\`\``)
  const intro = errors === undefined
    ? `# \`${name}\` preset\n\nSource: ${ref.source}. Body format: \`${ref.format}\`.`
    : `# Error codes\n\nThe \`${name}\` preset (${ref.source}) and this API's own codes. Body format: \`${ref.format}\`.`
  return `${intro}

## Error codes

${table(head, rows)}${additions}

## What the framework's own conditions answer

${table(['Condition', 'HTTP', 'Code'], ref.conditions.map(c => [c.description, String(c.status), `\`${c.code}\``]))}

## Sample bodies

\`${sampleCode}\` in each format, with request id \`${sampleRequestId}\`.

${samples.join('\n\n')}
`
}

/** A file of `docs --write` (docs/errors/<preset>.md in this repository): the reference under a line saying where it comes from. */
export function presetFile (name: PresetName): string {
  return `<!-- Generated by \`fastify-error-envelope docs --write\` (\`npm run docs\`) from the \`${name}\` preset. Do not edit: regenerate it. -->\n${presetMarkdown(name)}`
}
