import t from 'tap'
import { bundle } from '../bench/size.js'

// A browser bundle of `fastify-error-envelope/client` carries the presets' data and nothing of the server:
// before the data was split from the factories it held ApiError, defineErrors and five sets of factories.

const serverModules = ['src/errors.ts', 'src/catalog.ts', 'src/option-error.ts', 'src/index.ts', 'src/presets/index.ts']

for (const entry of ['src/client.ts', 'src/catalogs.ts']) {
  t.test(`${entry} bundles for the browser without server modules`, async t => {
    const { code, inputs, minified, gzip } = await bundle(entry)
    t.same(inputs.filter(file => serverModules.includes(file) || /^src\/presets\/[^/]+\.ts$/.test(file)), [], 'no ApiError, factories or preset assembly')
    t.same(inputs.filter(file => !file.startsWith('src/')), [], 'no package from node_modules')
    t.notMatch(code, /\bApiError\b/, 'no ApiError class')
    t.notMatch(code, /fastify/i, 'nothing of fastify, not even the Symbol.for keys')
    t.notMatch(code, /defineErrors|makeFactory|Error\.stackTraceLimit/)
    t.ok(inputs.includes('src/presets/data/aitbc.ts'), 'the data it reads')
    // The README's size table (in "The client"): update it with `npm run size` when a change must grow the bundle.
    t.ok(minified < 32_000, `minified ${minified} bytes`)
    t.ok(gzip < 8_800, `gzip ${gzip} bytes`)
  })
}

t.test('the client still finds a preset code in the bundled data', async t => {
  const { code } = await bundle('src/client.ts')
  const url = `data:text/javascript;base64,${Buffer.from(code).toString('base64')}`
  const client = await import(url) as typeof import('../src/client.js')
  const error = await client.parseApiError({
    statusCode: 503,
    headers: {},
    body: JSON.stringify({ success: false, data: null, error: { code: 'PRODUCT_OUT_OF_STOCK', message: 'Out of stock' }, meta: { request_id: 'req-1' } })
  })
  t.match(error, { code: 'PRODUCT_OUT_OF_STOCK', retryable: true, retry: 'exponential_backoff', format: 'envelope', requestId: 'req-1' })
})

t.test("the bundled client reads the user's plain catalog, made by the bundled defineCatalog", async t => {
  const load = async <T>(entry: string): Promise<T> => {
    const { code } = await bundle(entry)
    return await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`) as T
  }
  const client = await load<typeof import('../src/client.js')>('src/client.ts')
  const { defineCatalog } = await load<typeof import('../src/catalogs.js')>('src/catalogs.ts')
  const catalog = defineCatalog({ JOB_LOCKED: { status: 423, message: 'Job is locked', retryable: true } })
  const error = await client.parseApiError({ statusCode: 423, headers: {}, body: JSON.stringify({ detail: 'Job is locked', error_code: 'JOB_LOCKED', request_id: 'r' }) }, { catalog })
  t.match(error, { code: 'JOB_LOCKED', retryable: true, retry: 'exponential_backoff' })
  t.equal(error?.is('JOB_LOCKED'), true)
})
