import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { buildApp } from '../../examples/multi-instance/app.js'
import { freePort, redisClient, startRedis } from '../redis-server.js'

// tap's process tracking still loads in children; '0' turns its coverage off there.
const env = { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0' }

t.test('two apps of the example on one Redis share one limit of 5: the 6th request is a sessions 429', async t => {
  const redis = await startRedis({ t })
  const a = await buildApp({ redis: await redisClient(redis.port, { t }), port: 3000 })
  const b = await buildApp({ redis: await redisClient(redis.port, { t }), port: 3001 })
  t.teardown(() => a.close())
  t.teardown(() => b.close())

  const answers = []
  for (const app of [a, b, a, b, a, b]) answers.push(await app.inject('/v1/products'))
  t.same(answers.map(r => r.statusCode), [200, 200, 200, 200, 200, 429], 'five in all, not five each')
  t.same(answers.map(r => r.headers['x-ratelimit-remaining']), ['4', '3', '2', '1', '0', '0'])
  t.same([...new Set(answers.map(r => r.headers['x-ratelimit-limit']))], ['5'])
  t.same(answers.slice(0, 2).map(r => r.json().meta.served_by), [':3000', ':3001'], 'both instances answered')

  const sixth = answers[5]
  if (sixth === undefined) throw new Error('no sixth answer')
  const retryAfter = Number(sixth.headers['retry-after'])
  t.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter} within the minute`)
  const reset = Number(sixth.headers['x-ratelimit-reset'])
  const now = Date.now() / 1000
  t.ok(reset > now && reset <= Math.ceil(now) + 61, `X-RateLimit-Reset ${reset} is a Unix timestamp within the minute`)
  t.same(sixth.json(), {
    success: false,
    data: null,
    error: { code: 'RATE_LIMIT_EXCEEDED', message: 'Too many requests', details: {} },
    meta: { request_id: sixth.headers['x-request-id'] }
  })
})

t.test('server.ts starts two instances on PORT and PORT+1 that share the limit in REDIS_URL', async t => {
  const redis = await startRedis({ t })
  const root = fileURLToPath(new URL('../..', import.meta.url))
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/multi-instance/server.ts'], {
    cwd: root,
    env: { ...env, PORT: String(port), REDIS_URL: redis.url, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  // Stopped in teardown, and waited for: SIGTERM lets it close both apps; SIGKILL after 3 s.
  t.teardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
    await exited
    clearTimeout(timer)
  })
  const bases = await new Promise<string[]>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`no addresses printed: ${out}`)), 20_000)
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const found = [...out.matchAll(/^ {2}(http:\/\/\S+)$/gm)].map(m => m[1] as string)
      if (found.length >= 2 && out.includes('curl -i')) {
        clearTimeout(timer)
        resolve(found.slice(0, 2))
      }
    })
  })
  t.same(bases, [`http://127.0.0.1:${port}`, `http://127.0.0.1:${port + 1}`])

  const statuses: number[] = []
  const remaining: Array<string | null> = []
  for (let i = 0; i < 6; i++) {
    const res = await fetch(`${bases[i % 2] as string}/v1/products`, { signal: AbortSignal.timeout(3000) })
    await res.text()
    statuses.push(res.status)
    remaining.push(res.headers.get('x-ratelimit-remaining'))
  }
  t.same(statuses, [200, 200, 200, 200, 200, 429])
  t.same(remaining, ['4', '3', '2', '1', '0', '0'])
})

t.test('the example answers a product, and a missing one with the sessions envelope', async t => {
  const redis = await startRedis({ t })
  const app = await buildApp({ redis: await redisClient(redis.port, { t }) })
  t.teardown(() => app.close())
  const list = (await app.inject('/v1/products')).json()
  t.equal(list.meta.served_by, 'unknown')
  const id = list.data[0].id as string
  const found = await app.inject(`/v1/products/${id}`)
  t.equal(found.statusCode, 200)
  t.equal(found.json().data.id, id)
  const missing = await app.inject('/v1/products/nope')
  t.equal(missing.statusCode, 404)
  t.same(missing.json(), { success: false, data: null, error: { code: 'PRODUCT_NOT_FOUND', message: 'Product invalid', details: {} }, meta: { request_id: missing.headers['x-request-id'] } })
})
