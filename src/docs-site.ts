import { createHash } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifySchema } from 'fastify'
import { codeRow, type CatalogEntry, type CodeRow, type RetryGuidance } from './catalog.js'
import { sampleBody } from './docs.js'
import { ApiError } from './errors.js'
import type { ResolvedDocs, ResolvedOptions } from './options.js'
import { registeredPhrase } from './reason-phrases.js'

/** What `GET <prefix>/:code` answers a client that asks for JSON: the code's row, and a sample. */
export type CodePageJson = CodeRow & {
  /** The body this API answers with for the code, in its active format; null when the format fails on it. */
  sample: unknown
}

interface CodePage {
  html: string
  json: string
}

const htmlType = 'text/html; charset=utf-8'
const jsonType = 'application/json; charset=utf-8'

const style = `:root{color-scheme:light dark;font-family:system-ui,sans-serif;line-height:1.45}
body{margin:2rem auto;max-width:84rem;padding:0 1rem}
input[type=search]{width:100%;max-width:32rem;padding:.5rem;font:inherit}
table{border-collapse:collapse;width:100%;margin-top:1rem}
th,td{border-bottom:1px solid #8886;padding:.5rem;text-align:left;vertical-align:top}
th{position:sticky;top:0;background:Canvas}
pre{margin:0;font-size:.8rem;white-space:pre-wrap;overflow-wrap:anywhere}
.muted{opacity:.75;font-size:.9em}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1.5rem}
dt{font-weight:600}`

const script = `const box = document.getElementById('search')
const rows = Array.from(document.querySelectorAll('#codes tbody tr'))
const count = document.getElementById('count')
function filter () {
  const words = box.value.toLowerCase().split(/\\s+/).filter(Boolean)
  let shown = 0
  for (const row of rows) {
    const hit = words.every(word => row.dataset.search.includes(word))
    row.hidden = !hit
    if (hit) shown++
  }
  count.textContent = (shown === rows.length ? '' : shown + ' of ') + rows.length + ' codes'
}
box.addEventListener('input', filter)
filter()`

function hash (text: string): string {
  return `'sha256-${createHash('sha256').update(text).digest('base64')}'`
}

// Only the page's own inline style (and, on the index, its own inline script) may run: nothing is loaded from anywhere.
const policy = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
const indexPolicy = `${policy}; style-src ${hash(style)}; script-src ${hash(script)}`
const pagePolicy = `${policy}; style-src ${hash(style)}`

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Text made safe for HTML content and quoted attribute values. */
function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, c => escapes[c] as string)
}

const retryWords: Record<RetryGuidance, string> = {
  do_not_retry: 'do not retry',
  refresh_and_retry: 'refresh the credentials, then retry',
  wait_retry_after: 'wait for Retry-After, then retry',
  exponential_backoff: 'retry with exponential backoff'
}

/**
 * Whether a client's Accept prefers JSON to HTML: the q of the most specific
 * range that matches each, JSON only when it is strictly higher.
 */
function prefersJson (accept: string | undefined): boolean {
  if (accept === undefined) return false
  const best = { json: { rank: -1, q: 0 }, html: { rank: -1, q: 0 } }
  for (const range of accept.split(',')) {
    const [type, ...params] = range.split(';').map(part => part.trim().toLowerCase())
    const qParam = params.find(p => p.startsWith('q='))
    const q = qParam === undefined ? 1 : Number(qParam.slice(2))
    if (!(q >= 0 && q <= 1)) continue
    for (const [key, media] of [['json', 'application/json'], ['html', 'text/html']] as const) {
      const rank = type === media ? 2 : type === `${media.split('/')[0]}/*` ? 1 : type === '*/*' ? 0 : -1
      if (rank > best[key].rank) best[key] = { rank, q }
    }
  }
  return best.json.q > best.html.q
}

/** The body the active format makes of a code: what the API answers when a route throws its factory. */
function sampleOf (code: string, opts: ResolvedOptions): { body: unknown, text: string | undefined } {
  try {
    const body = sampleBody(code, opts, opts.format)
    const text = typeof body === 'string' ? body : JSON.stringify(body, null, 2)
    if (typeof text === 'string') return { body, text }
  } catch {}
  return { body: null, text: undefined }
}

function page (title: string, main: string, withScript: boolean): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${style}</style>
</head>
<body>
${main}${withScript ? `\n<script>${script}</script>` : ''}
</body>
</html>
`
}

function sampleHtml (text: string | undefined): string {
  return text === undefined ? '<span class="muted">(no sample: the format failed on this code)</span>' : `<pre>${escapeHtml(text)}</pre>`
}

function retryHtml (entry: CatalogEntry): string {
  const retryable = entry.retryable === true ? 'Yes' : 'No'
  return entry.retry === undefined ? retryable : `${retryable} <span class="muted">(${retryWords[entry.retry]})</span>`
}

function statusHtml (status: number): string {
  return `${status} <span class="muted">${escapeHtml(registeredPhrase(status) ?? '')}</span>`
}

// Where a code's routes go, once they are known; a code is letters, digits, '_', '.' and '-'.
const routesMarkers = /<!--routes ([A-Za-z0-9_.-]+)-->/g
function routesMarker (code: string): string {
  return `<!--routes ${code}-->`
}

/** "Returned by `GET /v1/jobs/:id`, …": the routes that declare a code in `config.errors`. */
function routesHtml (routes: readonly string[] | undefined): string {
  if (routes === undefined || routes.length === 0) return ''
  return `<div class="muted">Returned by ${routes.map(r => `<code>${escapeHtml(r)}</code>`).join(', ')}</div>`
}

/**
 * Registers the error pages of the `docs` option: `GET <prefix>` (every code
 * of the active catalog, with a search box) and `GET <prefix>/:code` (one
 * code, HTML or JSON). Pages are rendered once, here.
 */
export function registerDocsSite (fastify: FastifyInstance, opts: ResolvedOptions, docs: ResolvedDocs, routesByCode?: ReadonlyMap<string, readonly string[]>): void {
  // Links relative to the page, so they hold behind a proxy that mounts the API elsewhere.
  const last = docs.prefix.slice(docs.prefix.lastIndexOf('/') + 1)
  const pages = new Map<string, CodePage>()
  const rows: Array<(base: string) => string> = []
  const formatLine = `<code>${escapeHtml(opts.format.name)}</code> format, <code>${escapeHtml(opts.format.contentType)}</code>`

  for (const [code, entry] of opts.catalog) {
    const sample = sampleOf(code, opts)
    const search = [code, String(entry.status), entry.message, entry.description, entry.category, entry.resolution]
      .filter(v => v !== undefined).join(' ').toLowerCase()
    const description = escapeHtml(entry.message) + (entry.description === undefined ? '' : `<div class="muted">${escapeHtml(entry.description)}</div>`)
    const resolution = entry.resolution === undefined ? '—' : escapeHtml(entry.resolution)
    rows.push(base => `<tr id="${escapeHtml(code)}" data-search="${escapeHtml(search)}">` +
      `<td><a href="${escapeHtml(`${base}${code}`)}"><code>${escapeHtml(code)}</code></a>` +
      `${entry.category === undefined ? '' : `<div class="muted">${escapeHtml(entry.category)}</div>`}</td>` +
      `<td>${statusHtml(entry.status)}</td><td>${description}${routesMarker(code)}</td><td>${resolution}</td>` +
      `<td>${retryHtml(entry)}</td><td>${sampleHtml(sample.text)}</td></tr>`)

    const facts: Array<[string, string | undefined]> = [
      ['HTTP status', statusHtml(entry.status)],
      ['Message', escapeHtml(entry.message)],
      ['Description', entry.description === undefined ? undefined : escapeHtml(entry.description)],
      ['Category', entry.category === undefined ? undefined : escapeHtml(entry.category)],
      ['Retryable', retryHtml(entry)],
      ['Resolution', entry.resolution === undefined ? undefined : escapeHtml(entry.resolution)],
      ['Field', entry.field === undefined ? undefined : `<code>${escapeHtml(entry.field)}</code>`]
    ]
    const html = page(`${code} · ${docs.title}`, `<p><a href="../${escapeHtml(last)}">All error codes</a></p>
<h1><code>${escapeHtml(code)}</code></h1>
<dl>
${facts.filter(([, v]) => v !== undefined).map(([k, v]) => `<dt>${k}</dt><dd>${v as string}</dd>`).join('\n')}
</dl>${routesMarker(code)}
<h2>Sample body</h2>
<p class="muted">${formatLine}</p>
${sampleHtml(sample.text)}`, false)
    const json: CodePageJson = { ...codeRow(code, entry), sample: sample.body }
    pages.set(code, { html, json: JSON.stringify(json) })
  }

  // Links are relative to the page: from `<prefix>` a code is `<last>/CODE`, from `<prefix>/` it is `CODE`.
  const index = (base: string): string => page(docs.title, `<h1>${escapeHtml(docs.title)}</h1>
${docs.intro === undefined ? '' : `<p>${escapeHtml(docs.intro)}</p>\n`}<p>Every error this API answers with, in the ${formatLine}. Each code links to a page of its own.</p>
<input type="search" id="search" placeholder="Filter by code or text" aria-label="Filter the error codes" autocomplete="off">
<p id="count" class="muted" aria-live="polite">${rows.length} codes</p>
<table id="codes">
<thead><tr><th>Code</th><th>HTTP</th><th>Description</th><th>Resolution</th><th>Retryable</th><th>Sample body</th></tr></thead>
<tbody>
${rows.map(row => row(base)).join('\n')}
</tbody>
</table>`, true)
  let indexes = { bare: index(`${last}/`), slash: index('') }

  // Routes are registered after the plugin: which of them declare a code is known at ready.
  fastify.addHook('onReady', function listRoutesOfCodes (done) {
    const fill = (html: string): string => html.replace(routesMarkers, (_, code: string) => routesHtml(routesByCode?.get(code)))
    indexes = { bare: fill(indexes.bare), slash: fill(indexes.slash) }
    for (const found of pages.values()) found.html = fill(found.html)
    done()
  })

  function sendHtml (reply: FastifyReply, html: string, csp: string): FastifyReply {
    return reply
      .header('content-security-policy', csp)
      .header('x-content-type-options', 'nosniff')
      .type(htmlType)
      .send(html)
  }

  // `hide` is @fastify/swagger's: it leaves the route out of the OpenAPI document.
  const schema: FastifySchema & { hide: boolean } = { hide: true }
  const routeOptions = { config: { rateLimit: false as const }, schema }
  fastify.get(docs.prefix, routeOptions, function errorCodesPage (request, reply) {
    // With the router's ignoreTrailingSlash, `<prefix>/` comes here: its links must hold from there.
    const slash = (request.url.split('?')[0] as string).endsWith('/')
    sendHtml(reply, slash ? indexes.slash : indexes.bare, indexPolicy)
  })
  fastify.get<{ Params: { code: string } }>(`${docs.prefix}/:code`, routeOptions, function errorCodePage (request, reply) {
    // `<prefix>/` is the index, as a browser and a person typing the address expect.
    if (request.params.code === '') return sendHtml(reply, indexes.slash, indexPolicy)
    const found = pages.get(request.params.code)
    if (found === undefined) {
      // The preset's not-found code, saying what was not found: a code, not a route.
      const code = request.params.code.length > 64 ? `${request.params.code.slice(0, 64)}…` : request.params.code
      throw new ApiError(opts.conditions.notFound.code, { status: 404, message: `No error code ${code}` })
    }
    reply.header('vary', 'accept')
    if (prefersJson(request.headers.accept)) {
      reply.type(jsonType).send(found.json)
    } else {
      sendHtml(reply, found.html, pagePolicy)
    }
  })
}
