import t from 'tap'
import { defineErrors, type PresetName } from '../src/index.js'
import { catalogs, defineCatalog, type CatalogSpec } from '../src/catalogs.js'
import { ApiClientError, fetchWithRetry, parseApiError } from '../src/client.js'
import { build } from './helper.js'

// The user's own catalog on the client: the codes it types are the codes it reads, and its
// retryable / retry entries decide the guidance for its codes, before the presets' catalogs.

const catalog = defineCatalog({
  // A status no preset retries: only the catalog can say that waiting helps.
  JOB_LOCKED: { status: 423, message: 'Job is locked by another worker', retryable: true },
  // A status every preset retries: the catalog says this one never passes.
  JOB_POISONED: { status: 503, message: 'Job cannot run on any worker', retryable: false },
  JOB_THROTTLED: { status: 429, message: 'Too many jobs', retryable: true, retry: 'wait_retry_after' }
})
const errors = defineErrors(catalog)
const presetNames = Object.keys(catalogs) as PresetName[]

t.test('without the catalog a user code goes by its status alone (what the client did before)', async t => {
  const locked = await parseApiError(new Response(JSON.stringify({ detail: 'Job is locked', error_code: 'JOB_LOCKED', request_id: 'r' }), { status: 423 }))
  t.match(locked, { code: 'JOB_LOCKED', retryable: false, retry: 'do_not_retry' })
  const withIt = await parseApiError(new Response(JSON.stringify({ detail: 'Job is locked', error_code: 'JOB_LOCKED', request_id: 'r' }), { status: 423 }), { catalog })
  t.match(withIt, { code: 'JOB_LOCKED', retryable: true, retry: 'exponential_backoff' })
})

for (const preset of presetNames) {
  t.test(`${preset}: the user's catalog decides retryable and retry for its codes, over the wire`, { timeout: 10_000 }, async t => {
    const app = await build(t, { plugin: { preset, errors } })
    const hits = new Map<string, number>()
    app.addHook('onRequest', async request => { hits.set(request.url, (hits.get(request.url) ?? 0) + 1) })
    app.get('/locked', async () => { throw errors.JOB_LOCKED() })
    app.get('/poisoned', async () => { throw errors.JOB_POISONED() })
    app.get('/throttled', async () => { throw errors.JOB_THROTTLED({ retryAfter: 1 }) })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const address = app.server.address()
    if (address === null || typeof address === 'string') throw new Error('no port')
    const base = `http://127.0.0.1:${address.port}`
    const full: CatalogSpec = { ...catalogs[preset].catalog, ...catalog }

    const locked = await parseApiError(await fetch(base + '/locked'), { catalog: full })
    t.match(locked, { status: 423, code: 'JOB_LOCKED', retryable: true, retry: 'exponential_backoff' })
    t.equal(locked?.is('JOB_LOCKED'), true, 'is() names its code')
    t.equal(locked?.is('JOB_POISONED', 'JOB_THROTTLED'), false, 'and no other')

    const poisoned = await parseApiError(await fetch(base + '/poisoned'), { catalog: full })
    t.match(poisoned, { status: 503, code: 'JOB_POISONED', retryable: false, retry: 'do_not_retry' })

    const throttled = await parseApiError(await fetch(base + '/throttled'), { catalog: full })
    t.match(throttled, { status: 429, code: 'JOB_THROTTLED', retryable: true, retry: 'wait_retry_after', retryAfterMs: 1000 })

    // fetchWithRetry reads the same catalog: it retries the locked job and gives up on the poisoned one at once.
    const waits: number[] = []
    const sleep = async (ms: number): Promise<void> => { waits.push(ms) }
    const retried = await fetchWithRetry(base + '/locked', {}, { catalog: full, maxAttempts: 3, baseDelayMs: 10, jitter: false, sleep }).catch((err: unknown) => err)
    t.ok(retried instanceof ApiClientError, 'gives up with the error')
    t.equal(hits.get('/locked'), 1 + 3, 'three attempts at a code the catalog marks retryable')
    t.same(waits, [10, 20])
    await fetchWithRetry(base + '/poisoned', {}, { catalog: full, sleep }).catch(() => undefined)
    t.equal(hits.get('/poisoned'), 1 + 1, 'one attempt at a 503 the catalog marks not retryable')
  })
}

t.test("the user's entry wins over a preset's for the same code, as on the server", async t => {
  const body = JSON.stringify({ detail: 'Miner not responding', error_code: 'MINER_OFFLINE', request_id: 'r' })
  t.match(await parseApiError(new Response(body, { status: 503 })), { retryable: true, retry: 'exponential_backoff' }, 'the aitbc preset retries it')
  const mine = defineCatalog({ MINER_OFFLINE: { status: 503, message: 'Miner retired', retryable: false } })
  t.match(await parseApiError(new Response(body, { status: 503 }), { catalog: { ...catalogs.aitbc.catalog, ...mine } }), { retryable: false, retry: 'do_not_retry' })
})

t.test('a catalog that is not plain data fails loud, before any request', async t => {
  const response = (): Response => new Response('{}', { status: 500 })
  const factories = await parseApiError(response(), { catalog: errors as never }).catch((err: unknown) => err)
  t.match(factories, { name: 'TypeError', message: "parseApiError() option 'catalog': 'JOB_LOCKED' expects { status, message }, instead got a factory: pass the plain catalog, not the factories made of it" })
  for (const [value, got] of [['genai', 'string'], [null, 'null'], [[catalog], 'an array']] as const) {
    const err = await parseApiError(response(), { catalog: value as never }).catch((err: unknown) => err)
    t.match(err, { name: 'TypeError', message: `parseApiError() option 'catalog' expects an object of error codes, instead got ${got}` })
  }
  const entry = await parseApiError(response(), { catalog: { X: 404 } as never }).catch((err: unknown) => err)
  t.match(entry, { name: 'TypeError', message: "parseApiError() option 'catalog': 'X' expects { status, message }, instead got number" })

  let fetched = 0
  const fetchStub = async (): Promise<Response> => { fetched++; return response() }
  const refused = await fetchWithRetry('http://127.0.0.1:9/', {}, { catalog: errors as never, fetch: fetchStub }).catch((err: unknown) => err)
  t.match(refused, { name: 'TypeError', message: /^fetchWithRetry\(\) option 'catalog': 'JOB_LOCKED' expects \{ status, message \}, instead got a factory/ })
  t.equal(fetched, 0, 'nothing was sent')
})
