/** Option checks shared by every option of the plugin, so that every mistake is worded the same way. */

/** An HTTP header name (a token), as options that name a header take it. */
export const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/

export function isPlainObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A value as an option error shows it: short, and never a secret-sized string. */
export function describe (value: unknown): string {
  if (typeof value === 'string') return `'${value.length > 40 ? value.slice(0, 40) + '…' : value}'`
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  if (typeof value === 'function') return 'a function'
  return typeof value === 'bigint' || typeof value === 'symbol' ? `a ${typeof value}` : String(value)
}

/**
 * The TypeError of an option the plugin cannot honour, naming it, what it takes and what it got.
 * `route` (`GET /search`) names the route whose `config` holds the option.
 */
export function optionError (name: string, expected: string, value: unknown, route?: string): TypeError {
  return new TypeError(`fastify-error-envelope: option '${name}'${ofRoute(route)} expects ${expected}, instead got ${describe(value)}`)
}

function ofRoute (route: string | undefined): string {
  return route === undefined ? '' : ` of route ${route}`
}

/**
 * Refuses the keys of `raw` that are not in `known`, suggesting the known key a typo is closest to.
 * `path` prefixes each key (`'validation.'`); `what` is said when no key is close.
 */
export function checkKeys (raw: Record<string, unknown>, known: ReadonlySet<string>, path: string, opts: { what?: string, route?: string } = {}): void {
  for (const name of Object.keys(raw)) {
    if (known.has(name)) continue
    const close = closest(name, known)
    const hint = close === undefined ? opts.what ?? '' : `, did you mean '${close}'?`
    throw new TypeError(`fastify-error-envelope: unknown option '${path}${name}'${ofRoute(opts.route)}${hint}`)
  }
}

/** The known name within a few edits of `name` (case ignored), if exactly one is closest. */
export function closest (name: string, known: ReadonlySet<string>): string | undefined {
  const limit = Math.max(1, Math.min(3, Math.floor(name.length / 3)))
  let best: string | undefined
  let bestDistance = limit + 1
  for (const candidate of known) {
    const d = distance(name.toLowerCase(), candidate.toLowerCase())
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return best
}

/** Levenshtein distance, with a swap of two neighbours counted as one edit (`maxLenght`). */
function distance (a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i])
  for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j
  for (let i = 1; i <= a.length; i++) {
    const row = d[i] as number[]
    const previous = d[i - 1] as number[]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      row[j] = Math.min((previous[j] as number) + 1, (row[j - 1] as number) + 1, (previous[j - 1] as number) + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1)
      }
    }
  }
  return (d[a.length] as number[])[b.length] as number
}
