import type { FastifyReply } from 'fastify'

/** A media type or media range: lower-cased type and subtype, its parameters but `q`, and its weight. */
interface MediaRange {
  type: string
  subtype: string
  params: Array<[string, string]>
  q: number
}

// RFC 9110 §12.4.2: a weight is 0 to 1 with up to three decimals.
const weight = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/
// An Accept header longer than any real client sends is read no further: its end cannot change much.
const maxRanges = 64

function unquote (value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value
}

/** One media range of an Accept header, or undefined for one that cannot be read (it is skipped). */
function parseRange (text: string): MediaRange | undefined {
  const [mediaType = '', ...rest] = text.split(';')
  const slash = mediaType.indexOf('/')
  if (slash <= 0 || slash === mediaType.length - 1) return undefined
  const type = mediaType.slice(0, slash).trim().toLowerCase()
  const subtype = mediaType.slice(slash + 1).trim().toLowerCase()
  if (type === '*' && subtype !== '*') return undefined
  const params: Array<[string, string]> = []
  let q = 1
  for (const param of rest) {
    const eq = param.indexOf('=')
    if (eq === -1) continue
    const name = param.slice(0, eq).trim().toLowerCase()
    const value = param.slice(eq + 1).trim()
    if (name === 'q') {
      if (!weight.test(value)) return undefined
      q = Number(value)
      // Parameters after the weight are accept-extensions (RFC 9110 §12.5.1), not media type parameters.
      break
    }
    params.push([name, unquote(value)])
  }
  return { type, subtype, params, q }
}

function parseAccept (accept: string): MediaRange[] {
  const ranges: MediaRange[] = []
  for (const part of accept.split(',', maxRanges)) {
    const range = parseRange(part)
    if (range !== undefined) ranges.push(range)
  }
  return ranges
}

function sameValue (name: string, a: string, b: string): boolean {
  // A charset is case-insensitive (RFC 9110 §8.3.2); other parameter values are compared as sent.
  return name === 'charset' ? a.toLowerCase() === b.toLowerCase() : a === b
}

/**
 * The weight `ranges` give a representation of `contentType`: the weight of the most specific
 * range that matches it (RFC 9110 §12.5.1: `type/subtype;param` over `type/subtype` over
 * `type/*` over `*∕*`); 0 when none does.
 */
function qualityOf (ranges: MediaRange[], contentType: string): number {
  // A format's content type is a media type (resolveOptions refuses anything else).
  const media = parseRange(contentType) as MediaRange
  let best = -1
  let q = 0
  for (const range of ranges) {
    if (range.type !== '*' && range.type !== media.type) continue
    if (range.subtype !== '*' && range.subtype !== media.subtype) continue
    if (!range.params.every(([name, value]) => media.params.some(([n, v]) => n === name && sameValue(name, v, value)))) continue
    const specificity = (range.type === '*' ? 0 : 1) + (range.subtype === '*' ? 0 : 1) + range.params.length
    if (specificity > best) {
      best = specificity
      q = range.q
    }
  }
  return q
}

/**
 * Whether a client whose `Accept` is `accept` prefers `alternative` to `own`, the content type
 * the route answers by default: only when it gives the alternative a higher weight. A tie, no
 * `Accept`, or one that accepts neither keeps `own` (an error is answered anyway, never 406).
 */
export function prefersAlternative (accept: string | undefined, own: string, alternative: string): boolean {
  if (accept === undefined || accept === '') return false
  const ranges = parseAccept(accept)
  return qualityOf(ranges, alternative) > qualityOf(ranges, own)
}

/** Adds `Accept` to the reply's `Vary` (RFC 9110 §12.5.5), keeping the fields already named there. */
export function varyOnAccept (reply: FastifyReply): void {
  const current = reply.getHeader('vary')
  if (current === undefined) {
    reply.header('vary', 'Accept')
    return
  }
  const text = Array.isArray(current) ? current.join(', ') : String(current)
  const names = text.split(',').map(name => name.trim().toLowerCase())
  if (names.includes('accept') || names.includes('*')) return
  reply.header('vary', text.trim() === '' ? 'Accept' : `${text}, Accept`)
}
