import type { CatalogSpec, CodeRow } from '../../catalog.js'

/** The table form of a catalog, as `presets.<name>.codes` exposes it. */
export function codeTable (spec: CatalogSpec): CodeRow[] {
  return Object.entries(spec).map(([code, e]) => {
    const row: CodeRow = { code, status: e.status, message: e.message, category: e.category ?? '', retryable: e.retryable ?? false }
    if (e.resolution !== undefined) row.resolution = e.resolution
    if (e.description !== undefined) row.description = e.description
    if (e.field !== undefined) row.field = e.field
    if (e.retry !== undefined) row.retry = e.retry
    return row
  })
}
