import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { buildApp } from '../../examples/openai-gateway/app.js'
import { run } from '../../examples/openai-gateway/client.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
// tap's process tracking still loads in children; '0' turns its coverage off there.
const env = { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0' }
const id = 'req_[0-9a-f]{32}'

/** What the openai SDK sees from the gateway, call by call; request ids differ per run. */
const expected = [
  new RegExp(`^unknown API key: AuthenticationError status=401 code=invalid_api_key type=authentication_error message="401 Incorrect API key provided" requestID=${id}$`),
  new RegExp(`^disabled API key: PermissionDeniedError status=403 code=api_key_disabled type=permission_error message="403 API key is disabled" requestID=${id}$`),
  new RegExp(`^unknown model: NotFoundError status=404 code=model_not_found type=not_found_error param=model message="404 Field 'model' must be one of 'gpt-4o-mini', 'llama-3\\.1-8b-instruct'" requestID=${id}$`),
  new RegExp(`^max_tokens too large: BadRequestError status=400 code=invalid_request type=invalid_request_error param=max_tokens message="400 Field 'max_tokens' must be <= 4096" requestID=${id}$`),
  /^a valid request: ok: "You said: Hello"$/,
  new RegExp(`^request 11 with sk-burst: RateLimitError status=429 code=account_rate_limited type=rate_limit_error message="429 Account request rate limit exceeded" requestID=${id} retry-after=(60|59)s$`)
]

function matchLines (t: Test, lines: string[]): void {
  t.equal(lines.length, expected.length, lines.join('\n'))
  expected.forEach((pattern, i) => t.match(lines[i], pattern))
}

/** Spawns an example script; resolves with the child once `pattern` appears in its stdout, with its first group. */
async function spawnScript (t: Test, script: string, extraEnv: Record<string, string>, pattern: RegExp): Promise<{ child: ChildProcessWithoutNullStreams, match: string, out: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: root, env: { ...env, ...extraEnv } })
  child.stderr.pipe(process.stderr)
  t.teardown(() => { child.kill() })
  let out = ''
  const match = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} printed no ${String(pattern)}: ${out}`)), 20_000)
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const found = pattern.exec(out)
      if (found?.[1] !== undefined) {
        clearTimeout(timer)
        resolve(found[1])
      }
    })
  })
  return { child, match, out: () => out }
}

t.test('the openai SDK raises its own error class, code, type and requestID for each gateway error', async t => {
  const app = await buildApp()
  t.teardown(() => app.close())
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  matchLines(t, await run(`${address}/v1`))
})

t.test('the gateway answers the OpenAI error body, with the request id in x-request-id and retry headers on a 429', async t => {
  const app = await buildApp({ requestsPerMinute: 1 })
  t.teardown(() => app.close())
  const headers = { authorization: 'Bearer sk-demo' }
  const payload = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }

  const noKey = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload })
  t.equal(noKey.statusCode, 401)
  t.strictSame(noKey.json(), { error: { message: 'Incorrect API key provided', type: 'authentication_error', code: 'invalid_api_key' } })
  t.match(noKey.headers['x-request-id'], new RegExp(`^${id}$`))

  const ok = await app.inject({ method: 'POST', url: '/v1/chat/completions', headers, payload })
  t.equal(ok.statusCode, 200)
  t.equal(ok.json().choices[0].message.content, 'You said: hi')

  const limited = await app.inject({ method: 'POST', url: '/v1/chat/completions', headers, payload })
  t.equal(limited.statusCode, 429)
  t.strictSame(limited.json(), { error: { message: 'Account request rate limit exceeded', type: 'rate_limit_error', code: 'account_rate_limited' } })
  t.equal(limited.headers['x-should-retry'], 'true')
  t.ok(Number(limited.headers['retry-after']) >= 1)

  const other = await app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { authorization: 'Bearer sk-burst' }, payload })
  t.equal(other.statusCode, 200, 'the limit is counted per API key')
})

t.test('server.ts starts the gateway on PORT and client.ts prints what the SDK sees from it', async t => {
  const server = await spawnScript(t, 'examples/openai-gateway/server.ts', { PORT: '0', LOG_LEVEL: 'warn' }, /gateway on (http:\/\/\S+)\. Call/)
  t.match(server.out(), `OPENAI_BASE_URL=${server.match}/v1 npx tsx examples/openai-gateway/client.ts`)

  const client = spawn(process.execPath, ['--import', 'tsx', 'examples/openai-gateway/client.ts'], { cwd: root, env: { ...env, OPENAI_BASE_URL: `${server.match}/v1` } })
  t.teardown(() => { client.kill() })
  let out = ''
  client.stdout.on('data', (chunk: Buffer) => { out += chunk.toString() })
  client.stderr.pipe(process.stderr)
  const code = await new Promise<number | null>(resolve => client.once('close', resolve))
  t.equal(code, 0)
  const [heading, blank, ...lines] = out.trimEnd().split('\n')
  t.equal(heading, `Calling ${server.match}/v1 with the openai SDK:`)
  t.equal(blank, '')
  matchLines(t, lines)
})

t.test('without a gateway to call, every call shows the SDK\'s connection error and the client stops', async t => {
  const app = await buildApp()
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  await app.close()
  const lines = await run(`${address}/v1`)
  t.equal(lines.length, 6)
  for (const line of lines) t.match(line, /: APIConnectionError status=undefined .*message="Connection error\."/)
})
