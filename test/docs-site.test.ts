import { createHash } from 'node:crypto'
import swagger from '@fastify/swagger'
import Fastify, { type FastifyInstance } from 'fastify'
import t from 'tap'
import errorEnvelope, { ApiError, defineErrors, presets, requestIdOptions, type ErrorEnvelopeOptions, type PresetName } from '../src/index.js'
import { resolveOptions } from '../src/options.js'
import type { CatalogEntry } from '../src/catalog.js'
import { build } from './helper.js'
import { openPage } from './helpers/browser.js'

const names = Object.keys(presets) as PresetName[]
const sampleId = 'req_1234567890'

/**
 * An app with the error pages on, and a route that throws the factory of any code of the active
 * catalog with no arguments: the rule is that a code's sample is exactly what that answers.
 */
async function app (t: { teardown: (fn: () => unknown) => void }, plugin: ErrorEnvelopeOptions, requestId = sampleId): Promise<FastifyInstance> {
  const instance = await build(t, { requestId, plugin: { docs: {}, ...plugin } })
  const catalog = resolveOptions({ preset: plugin.preset, errors: plugin.errors }).catalog
  const factories = defineErrors(Object.fromEntries(catalog)) as Record<string, () => ApiError>
  instance.get<{ Querystring: { code: string } }>('/v1/example', async request => {
    throw (factories[request.query.code] as () => ApiError)()
  })
  return instance
}

const entities: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" }
const unescape = (html: string): string => html.replace(/&(?:amp|lt|gt|quot|#39);/g, e => entities[e] as string)

/** The rows of the index page: code → its cells' HTML. */
function rowsOf (html: string): Map<string, string> {
  const rows = new Map<string, string>()
  for (const [, code, cells] of html.matchAll(/<tr id="([^"]+)" data-search="[^"]*">(.*?)<\/tr>/gs)) rows.set(code as string, cells as string)
  return rows
}

function sampleIn (cells: string): unknown {
  const pre = /<pre>(.*?)<\/pre>/s.exec(cells)
  return pre === null ? undefined : JSON.parse(unescape(pre[1] as string))
}

const hashOf = (text: string): string => `'sha256-${createHash('sha256').update(text).digest('base64')}'`

t.test('the index lists every code of each preset, with the sample body the API really answers', async t => {
  for (const name of names) {
    const a = await app(t, { preset: name })
    const res = await a.inject('/errors')
    t.equal(res.statusCode, 200, name)
    t.equal(res.headers['content-type'], 'text/html; charset=utf-8')
    t.match(res.body, '<title>Error codes</title>')
    t.match(res.body, /<input type="search"/)
    const rows = rowsOf(res.body)
    const catalog = Object.entries(presets[name].catalog as Record<string, CatalogEntry>).map(([code, e]) => ({ code, ...e }))
    t.ok(presets[name].codes.every(row => rows.has(row.code)), `${name}: every code of its document`)
    t.same([...rows.keys()], catalog.map(c => c.code), `${name}: a row per code of the catalog, in its order`)
    t.match(res.body, `<p id="count" class="muted" aria-live="polite">${catalog.length} codes</p>`)
    for (const row of catalog) {
      const cells = rows.get(row.code) as string
      t.match(cells, `<td>${row.status} `, `${name} ${row.code} status`)
      t.match(cells, `<td>${row.retryable === true ? 'Yes' : 'No'}`, `${name} ${row.code} retryable`)
      if (row.resolution !== undefined) t.match(cells, row.resolution.replaceAll('&', '&amp;').replaceAll("'", '&#39;').replaceAll('"', '&quot;').replaceAll('<', '&lt;').replaceAll('>', '&gt;'))
      const real = await a.inject(`/v1/example?code=${row.code}`)
      t.strictSame(sampleIn(cells), real.json(), `${name} ${row.code}: the sample is the real body`)
    }
  }
})

t.test('a sample is the body the API answers, for codes whose answer differs from their catalog text', async t => {
  const errors = {
    DB_DOWN: { status: 503, message: 'Database {db} is down', category: 'Server' },
    SHARD_LOST: { status: 500, message: 'Shard lost', retryable: true },
    LIMITED: { status: 429, message: 'Slow down', retryMessage: 'Slow down for {retry_after} s' },
    BAD_SIZE: { status: 400, message: 'Bad size', field: 'size' }
  }
  for (const [preset, exposeInternalErrors] of [['aitbc', false], ['genai', false], ['problem', false], ['tokenbay', true]] as const) {
    const a = await app(t, { preset, errors, exposeInternalErrors })
    const rows = rowsOf((await a.inject('/errors')).body)
    for (const code of Object.keys(errors)) {
      const real = (await a.inject(`/v1/example?code=${code}`)).json()
      const page = await a.inject({ url: `/errors/${code}`, headers: { accept: 'application/json' } })
      t.strictSame(page.json().sample, real, `${preset} ${code}: the page's sample`)
      t.strictSame(sampleIn(rows.get(code) as string), real, `${preset} ${code}: the index's sample`)
    }
  }
})

t.test('the sample carries doc_url when the bodies do', async t => {
  const a = await app(t, { preset: 'genai', docs: { docUrl: true } })
  const rows = rowsOf((await a.inject('/errors')).body)
  const real = await a.inject('/v1/example?code=MODEL_NOT_FOUND')
  t.equal(real.json().error.doc_url, '/errors/MODEL_NOT_FOUND')
  t.strictSame(sampleIn(rows.get('MODEL_NOT_FOUND') as string), real.json())
})

t.test('a code with a status of its own and no category has a row and a page', async t => {
  const a = await app(t, { errors: { CLIENT_CLOSED: { status: 499, message: 'Client closed the request' } } })
  t.match(rowsOf((await a.inject('/errors')).body).get('CLIENT_CLOSED'), '<code>CLIENT_CLOSED</code></a></td><td>499 <span class="muted"></span></td>')
  const page = (await a.inject('/errors/CLIENT_CLOSED')).body
  t.match(page, '<dt>HTTP status</dt><dd>499 <span class="muted"></span></dd>')
  t.notMatch(page, '<dt>Category</dt>')
})

t.test('codes of the user catalog are listed, and every value is HTML-escaped', async t => {
  const hostile = {
    EVIL_CODE: {
      status: 400,
      message: '<script>alert(1)</script>',
      description: '<img src=x onerror=alert(2)>',
      resolution: '" onmouseover="alert(3)',
      category: "</td><td>'x'"
    }
  }
  const a = await app(t, { errors: hostile, format: 'envelope' })
  const index = (await a.inject('/errors')).body
  const cells = rowsOf(index).get('EVIL_CODE') as string
  t.ok(cells, 'the user code has a row')
  t.match(cells, '&lt;script&gt;alert(1)&lt;/script&gt;')
  t.match(cells, '&lt;img src=x onerror=alert(2)&gt;')
  t.match(cells, '&quot; onmouseover=&quot;alert(3)')
  t.match(cells, '&lt;/td&gt;&lt;td&gt;&#39;x&#39;')
  t.match(index, /data-search="evil_code 400 &lt;script&gt;alert\(1\)&lt;\/script&gt;/)
  t.same(sampleIn(cells), (await a.inject('/v1/example?code=EVIL_CODE')).json(), 'the sample shows the message as the body has it')
  for (const html of [index, (await a.inject('/errors/EVIL_CODE')).body]) {
    t.notMatch(html, '<script>alert')
    t.notMatch(html, '<img')
    t.notMatch(html, '" onmouseover')
    t.equal(html.split('<script').length - 1, html === index ? 1 : 0, 'no script but the page\'s own')
  }
  const json = await a.inject({ url: '/errors/EVIL_CODE', headers: { accept: 'application/json' } })
  t.equal(json.json().message, '<script>alert(1)</script>', 'JSON keeps the text as it is')
})

t.test('a page per code, and its JSON form when the client prefers JSON', async t => {
  const a = await app(t, { preset: 'aitbc' })
  const entry = presets.aitbc.catalog.JOB_NOT_FOUND
  const html = await a.inject('/errors/JOB_NOT_FOUND')
  t.equal(html.statusCode, 200)
  t.equal(html.headers['content-type'], 'text/html; charset=utf-8')
  t.equal(html.headers.vary, 'accept')
  t.match(html.body, '<title>JOB_NOT_FOUND · Error codes</title>')
  t.match(html.body, '<h1><code>JOB_NOT_FOUND</code></h1>')
  t.match(html.body, '<dt>HTTP status</dt><dd>404 <span class="muted">Not Found</span></dd>')
  t.match(html.body, '<dt>Message</dt><dd>Job doesn&#39;t exist</dd>')
  t.match(html.body, `<dt>Resolution</dt><dd>${entry.resolution.replaceAll("'", '&#39;')}</dd>`)
  t.match(html.body, '<a href="../errors">All error codes</a>')
  t.match(html.body, '&quot;error_code&quot;: &quot;JOB_NOT_FOUND&quot;')

  const json = await a.inject({ url: '/errors/JOB_NOT_FOUND', headers: { accept: 'application/json' } })
  t.equal(json.statusCode, 200)
  t.equal(json.headers['content-type'], 'application/json; charset=utf-8')
  t.equal(json.headers['content-security-policy'], undefined)
  t.strictSame(json.json(), {
    code: 'JOB_NOT_FOUND',
    status: 404,
    message: "Job doesn't exist",
    category: 'Job',
    retryable: false,
    resolution: entry.resolution,
    sample: { detail: "Job doesn't exist", error_code: 'JOB_NOT_FOUND', request_id: sampleId }
  })

  const genai = await app(t, { preset: 'genai' })
  const field = await genai.inject('/errors/PROMPT_TOO_LONG')
  t.match(field.body, '<dt>Description</dt><dd>Input text is too long</dd>')
  t.match(field.body, '<dt>Field</dt><dd><code>prompt</code></dd>')
  t.match((await genai.inject({ url: '/errors/PROMPT_TOO_LONG', headers: { accept: 'application/json' } })).json(), {
    description: 'Input text is too long',
    sample: { error: { code: 'PROMPT_TOO_LONG', details: { field: 'prompt' } } }
  })

  const sessions = await app(t, { preset: 'sessions' })
  const limited = await sessions.inject({ url: '/errors/RATE_LIMIT_EXCEEDED', headers: { accept: 'application/json' } })
  t.match(limited.json(), { code: 'RATE_LIMIT_EXCEEDED', status: 429, retryable: true })
  t.match((await sessions.inject('/errors/RATE_LIMIT_EXCEEDED')).body, '<dt>Retryable</dt><dd>Yes <span class="muted">(wait for Retry-After, then retry)</span></dd>')
})

t.test('Accept decides between HTML and JSON by preference', async t => {
  const a = await app(t, {})
  const cases: Array<[string | undefined, 'html' | 'json']> = [
    [undefined, 'html'],
    ['*/*', 'html'],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'html'],
    ['application/json', 'json'],
    ['Application/JSON', 'json'],
    ['application/json, text/html;q=0.5', 'json'],
    ['text/html;q=0.5, application/*', 'json'],
    ['text/*;q=0.2, application/json;q=0.1', 'html'],
    ['text/html, application/json', 'html'],
    ['application/json;q=0', 'html'],
    ['application/json;q=abc', 'html'],
    ['image/png', 'html']
  ]
  for (const [accept, expected] of cases) {
    const res = await a.inject({ url: '/errors/JOB_NOT_FOUND', headers: accept === undefined ? {} : { accept } })
    t.equal(res.headers['content-type'], expected === 'json' ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8', String(accept))
  }
})

t.test('an unknown code is the preset\'s not-found envelope, saying no such code', async t => {
  const a = await app(t, { preset: 'aitbc' })
  for (const accept of ['application/json', 'text/html']) {
    const res = await a.inject({ url: '/errors/NO_SUCH_CODE?x=1', headers: { accept } })
    t.equal(res.statusCode, 404)
    t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
    t.strictSame(res.json(), { detail: 'No error code NO_SUCH_CODE', error_code: 'NOT_FOUND', request_id: sampleId })
  }
  const bodies: Record<PresetName, (body: any) => unknown> = {
    aitbc: body => body.detail,
    genai: body => body.error.message,
    sessions: body => body.error.message,
    tokenbay: body => body.error.message,
    problem: body => body.detail
  }
  for (const name of names) {
    const res = await (await app(t, { preset: name })).inject('/errors/NOPE')
    t.equal(res.statusCode, 404, name)
    t.equal(bodies[name](res.json()), 'No error code NOPE', `${name}: says what is missing`)
    t.notMatch(res.body, /Endpoint not found|Route GET/, `${name}: not the unknown-route answer`)
  }
  const genai = await app(t, { preset: 'genai' })
  t.match((await genai.inject('/errors/NOPE')).json(), { success: false, error: { code: 'ENDPOINT_NOT_FOUND' }, meta: { request_id: sampleId } })
  const long = (await a.inject(`/errors/${'X'.repeat(90)}`)).json()
  t.equal(long.detail, `No error code ${'X'.repeat(64)}…`, 'a long code is cut')
})

t.test('<prefix>/ answers the index, and its links lead to the code pages', async t => {
  for (const ignoreTrailingSlash of [false, true]) {
    const instance = Fastify({ ...requestIdOptions(), routerOptions: { ignoreTrailingSlash } })
    t.teardown(() => instance.close())
    await instance.register(errorEnvelope, { preset: 'genai', docs: { prefix: '/v1/errors' } })
    await instance.listen({ port: 0, host: '127.0.0.1' })
    const origin = `http://127.0.0.1:${(instance.server.address() as { port: number }).port}`
    for (const path of ['/v1/errors', '/v1/errors/', '/v1/errors/?q=1']) {
      const pageUrl = new URL(path, origin)
      const res = await fetch(pageUrl)
      t.equal(res.status, 200, `${path} (ignoreTrailingSlash ${String(ignoreTrailingSlash)})`)
      const html = await res.text()
      t.match(html, '<h1>Error codes</h1>')
      const hrefs = [...html.matchAll(/<a href="([^"]+)">/g)].map(m => unescape(m[1] as string))
      t.equal(hrefs.length, Object.keys(presets.genai.catalog).length, 'a link per code')
      for (const href of hrefs.slice(0, 3)) {
        const target = new URL(href, pageUrl)
        t.match(target.pathname, /^\/v1\/errors\/[A-Z_]+$/, `${path}: ${href} resolves below the prefix`)
        t.equal((await fetch(target)).status, 200, `${path}: ${href} answers`)
      }
    }
  }
})

t.test('docs.title and docs.intro: the API\'s own words on every page, escaped', async t => {
  const a = await app(t, { preset: 'aitbc', docs: { title: 'Acme <Jobs> API errors', intro: 'Questions? Write to "help@acme.test" & quote the request_id.' } })
  const index = (await a.inject('/errors')).body
  t.match(index, '<title>Acme &lt;Jobs&gt; API errors</title>')
  t.match(index, '<h1>Acme &lt;Jobs&gt; API errors</h1>')
  t.match(index, '<p>Questions? Write to &quot;help@acme.test&quot; &amp; quote the request_id.</p>')
  t.notMatch(index, 'Error codes')
  const page = (await a.inject('/errors/JOB_NOT_FOUND')).body
  t.match(page, '<title>JOB_NOT_FOUND · Acme &lt;Jobs&gt; API errors</title>')
  t.match(page, '<a href="../errors">All error codes</a>')
  const plain = (await (await app(t, { preset: 'aitbc' })).inject('/errors')).body
  t.match(plain, '<title>Error codes</title>', 'the default title')
  t.notMatch(plain, 'Questions?')
})

t.test('the pages allow only their own inline style and script', async t => {
  const a = await app(t, {})
  const index = await a.inject('/errors')
  const csp = index.headers['content-security-policy'] as string
  const script = /<script>(.*?)<\/script>/s.exec(index.body)?.[1] as string
  const style = /<style>(.*?)<\/style>/s.exec(index.body)?.[1] as string
  t.match(csp, /^default-src 'none'; /)
  t.match(csp, `script-src ${hashOf(script)}`)
  t.match(csp, `style-src ${hashOf(style)}`)
  t.notMatch(csp, 'unsafe-inline')
  t.match(csp, "frame-ancestors 'none'")
  t.equal(index.headers['x-content-type-options'], 'nosniff')
  t.notMatch(index.body, /<(?:link|img|iframe)|src=|style="|\son[a-z]+=/, 'nothing loaded, no inline handlers or style attributes')

  const page = await a.inject('/errors/JOB_NOT_FOUND')
  const pageCsp = page.headers['content-security-policy'] as string
  t.match(pageCsp, `style-src ${hashOf(style)}`)
  t.notMatch(pageCsp, 'script-src', 'a code page runs no script: default-src none forbids all')
  t.notMatch(page.body, '<script')
})

t.test('type and doc_url link every error to a page that answers', async t => {
  t.test('problem: type is the page of the code', async t => {
    const a = await app(t, { preset: 'problem' })
    a.get('/items/:id', async () => { throw new ApiError('NOT_FOUND') })
    for (const url of ['/items/1', '/no/such/route']) {
      const body = (await a.inject(url)).json()
      t.equal(body.type, '/errors/NOT_FOUND', url)
      t.equal(body.title, 'Not Found')
      const page = await a.inject({ url: body.type, headers: { accept: 'application/json' } })
      t.equal(page.statusCode, 200)
      t.equal(page.json().code, body.code)
    }
  })

  t.test('with baseUrl the link is absolute', async t => {
    const a = await app(t, { preset: 'problem', docs: { baseUrl: 'https://api.example.com/' } })
    const body = (await a.inject('/nowhere')).json()
    t.equal(body.type, 'https://api.example.com/errors/NOT_FOUND')
    t.equal((await a.inject(new URL(body.type).pathname)).statusCode, 200)
    const nested = await app(t, { preset: 'problem', docs: { baseUrl: 'http://example.com/api//', prefix: '/reference/errors' } })
    t.equal((await nested.inject('/nowhere')).json().type, 'http://example.com/api/reference/errors/NOT_FOUND')
    t.equal((await nested.inject('/reference/errors/NOT_FOUND')).statusCode, 200)
  })

  t.test('negotiated problem details link too', async t => {
    const a = await app(t, { preset: 'aitbc', negotiate: true })
    const res = await a.inject({ url: '/v1/example?code=JOB_NOT_FOUND', headers: { accept: 'application/problem+json' } })
    t.equal(res.json().type, '/errors/JOB_NOT_FOUND')
  })

  t.test('problemTypeBase still names the types', async t => {
    const a = await app(t, { preset: 'problem', problemTypeBase: 'https://errors.example.com/' })
    t.equal((await a.inject('/nowhere')).json().type, 'https://errors.example.com/not-found')
  })

  t.test('docUrl: doc_url last in flat, envelope and openai bodies', async t => {
    const cases: Array<[PresetName, string, (body: Record<string, any>) => Record<string, unknown>]> = [
      ['aitbc', 'JOB_NOT_FOUND', body => body],
      ['genai', 'MODEL_NOT_FOUND', body => body.error],
      ['sessions', 'SESSION_NOT_FOUND', body => body.error],
      ['tokenbay', 'model_not_found', body => body.error]
    ]
    for (const [preset, code, holder] of cases) {
      const a = await app(t, { preset, docs: { docUrl: true } })
      const res = await a.inject(`/v1/example?code=${code}`)
      const member = holder(res.json())
      t.equal(member.doc_url, `/errors/${code}`, preset)
      t.equal(Object.keys(member).at(-1), 'doc_url', `${preset}: doc_url comes last`)
      const page = await a.inject({ url: member.doc_url as string, headers: { accept: 'application/json' } })
      t.equal(page.statusCode, 200)
      t.equal(page.json().code, code)
    }
    const mounted = Fastify({ ...requestIdOptions() })
    t.teardown(() => mounted.close())
    await mounted.register(async api => {
      await api.register(errorEnvelope, { preset: 'aitbc', docs: { docUrl: true, prefix: '/docs/error-codes' } })
      api.get('/jobs/:id', async () => { throw new ApiError('JOB_NOT_FOUND') })
    }, { prefix: '/v1' })
    const body = (await mounted.inject('/v1/jobs/1')).json()
    t.equal(body.doc_url, '/v1/docs/error-codes/JOB_NOT_FOUND', 'under the route prefix the plugin is registered in')
    t.equal((await mounted.inject(body.doc_url)).statusCode, 200)
    t.match((await mounted.inject('/v1/docs/error-codes')).body, '<a href="error-codes/JOB_NOT_FOUND">', 'index links are relative to the index')
  })

  t.test('without docUrl the bodies are what they are without docs', async t => {
    for (const preset of ['aitbc', 'genai', 'tokenbay'] as const) {
      const code = presets[preset].codes[0]?.code as string
      const on = await app(t, { preset })
      const off = await build(t, { requestId: sampleId, plugin: { preset } })
      off.get('/v1/example', async () => { throw new ApiError(code) })
      t.equal((await on.inject(`/v1/example?code=${code}`)).body, (await off.inject('/v1/example')).body, preset)
    }
  })

  t.test('a code the catalog does not know links nowhere', async t => {
    const a = await app(t, { preset: 'problem' })
    a.get('/teapot', async () => { throw new ApiError('I_AM_A_TEAPOT', { status: 418 }) })
    t.match((await a.inject('/teapot')).json(), { type: 'about:blank', title: 'Client Error', code: 'I_AM_A_TEAPOT' })
    const flat = await app(t, { docs: { docUrl: true } })
    flat.get('/teapot', async () => { throw new ApiError('I_AM_A_TEAPOT', { status: 418 }) })
    t.notOk('doc_url' in (await flat.inject('/teapot')).json())
  })

  t.test('the fallback body of a failing format links to the internal code', async t => {
    const internal = presets.aitbc.conditions.internal as string
    const a = await app(t, {
      format: { name: 'picky', contentType: 'application/json', build: record => { if (record.code !== internal) throw new Error('cannot'); return { code: record.code, doc: record.docUrl } } }
    })
    const res = await a.inject('/v1/example?code=JOB_NOT_FOUND')
    t.equal(res.statusCode, 500)
    t.strictSame(res.json(), { code: internal, doc: `/errors/${internal}` })
    t.equal((await a.inject(`/errors/${internal}`)).statusCode, 200)
  })
})

t.test('a sample the format fails on is said so; the page still renders', async t => {
  const a = await app(t, { format: function plain (record) { if (record.code === 'JOB_EXPIRED') throw new Error('no'); return record.code === 'JOB_NOT_FOUND' ? `text ${record.code}` : { c: record.code } } })
  const index = await a.inject('/errors')
  t.equal(index.statusCode, 200)
  const rows = rowsOf(index.body)
  t.match(rows.get('JOB_EXPIRED'), '(no sample: the format failed on this code)')
  t.match(rows.get('JOB_NOT_FOUND'), '<pre>text JOB_NOT_FOUND</pre>')
  t.match(index.body, '<code>plain</code> format')
  const json = await a.inject({ url: '/errors/JOB_EXPIRED', headers: { accept: 'application/json' } })
  t.equal(json.json().sample, null)
})

t.test('the pages are outside the rate limit and the OpenAPI document', async t => {
  const limited = await app(t, { rateLimit: { max: 1, timeWindow: 60_000 } })
  limited.get('/ping', async () => 'pong')
  t.equal((await limited.inject('/ping')).statusCode, 200)
  t.equal((await limited.inject('/ping')).statusCode, 429, 'the limit is on')
  for (const url of ['/errors', '/errors', '/errors/JOB_NOT_FOUND', '/errors/JOB_NOT_FOUND']) {
    const res = await limited.inject(url)
    t.equal(res.statusCode, 200, url)
    t.equal(res.headers['x-ratelimit-limit'], undefined)
  }

  const documented = Fastify()
  t.teardown(() => documented.close())
  await documented.register(swagger, { openapi: { info: { title: 'API', version: '1.0.0' } } })
  await documented.register(errorEnvelope, { docs: {} })
  documented.get('/jobs', async () => [])
  await documented.ready()
  const paths = Object.keys((documented.swagger() as { paths: object }).paths)
  t.same(paths, ['/jobs'])
})

t.test('options', async t => {
  const invalid: Array<[unknown, RegExp]> = [
    ['yes', /option 'docs' expects false or \{ prefix\?, docUrl\?, baseUrl\?, title\?, intro\? \}, instead got 'yes'/],
    [true, /option 'docs' expects/],
    [{ prefix: 'errors' }, /option 'docs\.prefix' expects a path that starts with '\/'.*'errors'/],
    [{ prefix: '/errors/' }, /option 'docs\.prefix'/],
    [{ prefix: '/' }, /option 'docs\.prefix'/],
    [{ prefix: '/errors/:code' }, /option 'docs\.prefix'/],
    [{ prefix: '/err ors' }, /option 'docs\.prefix'/],
    [{ prefix: '/errors*' }, /option 'docs\.prefix'/],
    [{ prefix: 5 }, /option 'docs\.prefix'.*5/],
    [{ docUrl: 'yes' }, /option 'docs\.docUrl' expects a boolean/],
    [{ baseUrl: 'api.example.com' }, /option 'docs\.baseUrl' expects an absolute http\(s\) URL/],
    [{ baseUrl: 'ftp://example.com' }, /option 'docs\.baseUrl'/],
    [{ baseUrl: 'https://example.com/?v=1' }, /option 'docs\.baseUrl'/],
    [{ baseUrl: 'https://example.com/#top' }, /option 'docs\.baseUrl'/],
    [{ baseUrl: 'https://user:pw@example.com' }, /option 'docs\.baseUrl'/],
    [{ baseUrl: 42 }, /option 'docs\.baseUrl'.*42/],
    [{ colour: 'red' }, /unknown option 'docs\.colour'/],
    [{ titel: 'Acme' }, /unknown option 'docs\.titel', did you mean 'title'\?/],
    [{ title: '' }, /option 'docs\.title' expects a line of plain text of 1 to 120 characters, instead got ''/],
    [{ title: ' ' }, /option 'docs\.title'/],
    [{ title: 'a\nb' }, /option 'docs\.title'/],
    [{ title: 'x'.repeat(121) }, /option 'docs\.title'/],
    [{ title: 42 }, /option 'docs\.title'.*42/],
    [{ intro: '' }, /option 'docs\.intro' expects plain text of 1 to 2000 characters/],
    [{ intro: 'x'.repeat(2001) }, /option 'docs\.intro'/],
    [{ intro: ['a'] }, /option 'docs\.intro'.*an array/]
  ]
  for (const [docs, message] of invalid) {
    t.throws(() => resolveOptions({ docs }), { name: 'TypeError', message }, JSON.stringify(docs))
  }
  await t.rejects(build(t, { plugin: { docs: { prefix: 'errors' } } }), /option 'docs\.prefix'/, 'register rejects')

  t.equal(resolveOptions({}).docs, undefined)
  t.equal(resolveOptions({ docs: false }).docs, undefined)
  t.strictSame(resolveOptions({ docs: {} }).docs, { prefix: '/errors', docUrl: false, links: '/errors', title: 'Error codes' })
  t.strictSame(resolveOptions({ docs: { title: 'Acme errors', intro: 'Hello.' } }).docs, { prefix: '/errors', docUrl: false, links: '/errors', title: 'Acme errors', intro: 'Hello.' })
  const off = await app(t, { docs: false })
  t.match((await off.inject('/errors')).json(), { error_code: 'NOT_FOUND' }, 'docs: false serves no pages')
  const custom = await app(t, { docs: { prefix: '/api/v2/error-codes' } })
  t.equal((await custom.inject('/api/v2/error-codes')).statusCode, 200)
  t.equal((await custom.inject('/errors')).statusCode, 404)
})

t.test('in a real browser: the index renders, lists the codes, and the search filters them', { timeout: 60_000 }, async t => {
  const server = Fastify({ ...requestIdOptions() })
  await server.register(errorEnvelope, { preset: 'aitbc', docs: {} })
  const address = await server.listen({ host: '127.0.0.1', port: 0 })
  const page = await openPage(t, async () => await server.close())
  const problems: string[] = []
  page.on('console', message => { if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text()) })
  page.on('pageerror', error => problems.push(error.message))
  const response = await page.goto(`${address}/errors`)
  t.equal(response?.status(), 200)
  t.equal(await page.title(), 'Error codes')
  t.equal(await page.locator('h1').textContent(), 'Error codes')

  const all = Object.keys(presets.aitbc.catalog)
  const visible = (): Promise<string[]> => page.locator('#codes tbody tr:visible').evaluateAll(rows => rows.map(r => r.id))
  t.same(await visible(), all, 'every code of the preset is a visible row')
  t.same(await page.locator('#codes thead th').allTextContents(), ['Code', 'HTTP', 'Description', 'Resolution', 'Retryable', 'Sample body'])

  const jobs = all.filter(code => code.startsWith('JOB_'))
  t.ok(jobs.length > 1)
  await page.locator('input[type=search]').fill('JOB_')
  t.same(await visible(), jobs, 'typing JOB_ leaves only the JOB_* rows')
  t.equal(await page.locator('#count').textContent(), `${jobs.length} of ${all.length} codes`)
  await page.locator('input[type=search]').fill('rate limit')
  t.same(await visible(), ['RATE_LIMIT_EXCEEDED'], 'words match the message too')
  await page.locator('input[type=search]').fill('')
  t.same(await visible(), all, 'clearing the box brings every row back')
  t.equal(await page.locator('#count').textContent(), `${all.length} codes`)

  await page.locator('a[href="errors/JOB_NOT_FOUND"]').click()
  await page.waitForURL(`${address}/errors/JOB_NOT_FOUND`)
  t.equal(await page.locator('h1').textContent(), 'JOB_NOT_FOUND', 'a row links to its code\'s page')
  t.same(problems.filter(p => /Content Security Policy|Refused to/i.test(p)), [], 'the CSP blocked nothing the pages need')
  t.same(problems, [], 'no console errors')
})
