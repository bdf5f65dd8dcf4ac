import type { CatalogEntry, CatalogSpec, CodeRow } from '../../catalog.js'

/** The row of one code: its entry's members that a reader of the table needs, absent ones left out. */
export function codeRow (code: string, e: CatalogEntry): CodeRow {
  const row: CodeRow = { code, status: e.status, message: e.message, category: e.category ?? '', retryable: e.retryable ?? false }
  if (e.resolution !== undefined) row.resolution = e.resolution
  if (e.description !== undefined) row.description = e.description
  if (e.field !== undefined) row.field = e.field
  if (e.retry !== undefined) row.retry = e.retry
  return row
}

/** The table form of a catalog, as `presets.<name>.codes` exposes it. */
export function codeTable (spec: CatalogSpec): CodeRow[] {
  return Object.entries(spec).map(([code, e]) => codeRow(code, e))
}
