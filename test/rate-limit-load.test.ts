import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import t from 'tap'

const root = fileURLToPath(new URL('..', import.meta.url))
const entry = new URL('../src/index.ts', import.meta.url).href
// Children run without tap coverage (see package.test.ts).
const env = { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0' }

// Runs in the loader thread: every URL an `import` resolves to, ours, tsx's and Fastify's alike, is posted back.
const recorder = `
let port
export function initialize (data) { port = data.port }
export async function resolve (specifier, context, next) {
  const resolved = await next(specifier, context)
  port.postMessage(resolved.url)
  return resolved
}
`

/**
 * Registers the plugin with `options` (a JS expression) in a fresh process and answers one
 * request; returns every module path that was loaded, through `import` (a loader hook) or
 * `require` (the CommonJS cache), so that neither way of loading can go unseen.
 */
function modulesLoaded (options: string): string[] {
  const script = `
    import { createRequire, register } from 'node:module'
    import { MessageChannel } from 'node:worker_threads'
    const { port1, port2 } = new MessageChannel()
    const seen = []
    let flushed
    const done = new Promise(resolve => { flushed = resolve })
    port1.on('message', url => { if (url.endsWith('#flush')) flushed(); else seen.push(url) })
    port1.unref()
    register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(recorder)}), { data: { port: port2 }, transferList: [port2] })
    const { default: Fastify } = await import('fastify')
    const { default: errorEnvelope } = await import(${JSON.stringify(entry)})
    const app = Fastify()
    await app.register(errorEnvelope, ${options})
    app.get('/', { config: { rateLimit: false } }, async () => 'ok')
    app.get('/limited', async () => 'ok')
    const res = await app.inject('/limited')
    if (res.statusCode !== 200) throw new Error('unexpected status ' + res.statusCode)
    await app.close()
    // Messages come in order: once this one is here, every earlier import has been reported.
    await import('data:text/javascript,export{}#flush')
    await done
    console.log(JSON.stringify([...seen, ...Object.keys(createRequire(import.meta.url).cache)]))
  `
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, env, encoding: 'utf8' })
  return JSON.parse(out) as string[]
}

const rateLimitModules = (loaded: string[]): string[] => loaded.filter(path => path.includes('@fastify/rate-limit') || path.includes('@lukeed/ms'))

t.test('an app without rateLimit never loads @fastify/rate-limit (nor its duration parser)', async t => {
  for (const options of ['{}', '{ rateLimit: false }', "{ preset: 'sessions', rateLimit: undefined }"]) {
    const loaded = modulesLoaded(options)
    // The probe sees the plugin's own modules: an empty list would prove nothing.
    t.ok(loaded.some(path => path.endsWith('/src/handler.ts')), `${options}: the recorder sees what is loaded`)
    t.same(rateLimitModules(loaded), [], `${options}: nothing of @fastify/rate-limit loaded`)
  }
})

t.test('with rateLimit on, the same probe sees @fastify/rate-limit and its duration parser loaded', async t => {
  const loaded = rateLimitModules(modulesLoaded("{ rateLimit: { max: 5, timeWindow: '1 minute' } }"))
  t.ok(loaded.some(path => path.includes('@fastify/rate-limit/index.js')), 'its entry')
  t.ok(loaded.some(path => path.includes('@lukeed/ms')), 'its duration parser')
})
