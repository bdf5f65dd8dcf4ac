import type { CatalogEntry, CatalogSpec } from '../catalog.js'

// The user's own catalog on the client: plain data, checked once per object, read before the presets'.

/**
 * A catalog the client can read: plain data, `{ CODE: { status, message, retryable?, retry?, … } }`,
 * such as `defineCatalog()` returns or the `catalog` of a preset in `fastify-error-envelope/catalogs`.
 * A `defineErrors()` result is refused: its factories are server code and would carry `ApiError`
 * into the bundle.
 */
export type ClientCatalog<Catalog extends CatalogSpec = CatalogSpec> = Catalog & {
  readonly [Code in keyof Catalog]: Catalog[Code] extends (...args: never[]) => unknown ? never : Catalog[Code]
}

/** The codes of a catalog as a union; `string` for a catalog whose codes are not known to the compiler. */
export type CodeOf<Catalog extends CatalogSpec> = string extends keyof Catalog ? string : keyof Catalog & string

const checked = new WeakSet<object>()

function kind (value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value
}

/** Fails with a TypeError naming the option when `value` is not a plain catalog; each object is checked once. */
export function checkClientCatalog (value: unknown, where: string): asserts value is CatalogSpec | undefined {
  if (value === undefined || (typeof value === 'object' && value !== null && checked.has(value))) return
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${where} option 'catalog' expects an object of error codes, instead got ${kind(value)}`)
  }
  for (const [code, entry] of Object.entries(value)) {
    // Worded without the server's names: this text is in every browser bundle, and the bundle test keeps them out.
    if (typeof entry !== 'object' || entry === null || typeof (entry as Partial<CatalogEntry>).status !== 'number') {
      throw new TypeError(`${where} option 'catalog': '${code}' expects { status, message }, instead got ${typeof entry === 'function' ? 'a factory: pass the plain catalog, not the factories made of it' : kind(entry)}`)
    }
  }
  checked.add(value)
}

/** The code's entry in the user's catalog, when it has one. */
export function ownEntry (catalog: CatalogSpec | undefined, code: string): CatalogEntry | undefined {
  return catalog !== undefined && Object.hasOwn(catalog, code) ? catalog[code] : undefined
}
