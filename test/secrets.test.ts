/**
 * What is redacted (docs/safety.md): secret key words and credential-looking
 * values, in bodies and in log lines; and copies that are plain data.
 */
import t from 'tap'
import { ApiError, type Format } from '../src/index.js'
import { build, logCapture } from './helper.js'

/** Keys whose values must never be shown. */
const secretKeys = [
  'password', 'Password', 'new_password', 'passwordConfirmation', 'passwd', 'pwd', 'db_pwd', 'passphrase',
  'secret', 'client_secret', 'clientSecret', 'webhook-secret', 'SECRET_KEY',
  'token', 'access_token', 'accessToken', 'refresh_token', 'id_token', 'session_token', 'csrf-token', 'oauthToken', 'X-Auth-Token',
  'authorization', 'Authorization', 'proxy-authorization', 'auth', 'x-auth', 'basic_auth', 'auth_header',
  'api_key', 'apiKey', 'APIKey', 'x-api-key', 'apikey', 'openai.api_key',
  'cookie', 'Cookie', 'set-cookie', 'session_cookie', 'cookies',
  'session_id', 'sessionId', 'sessionID', 'sessionid', 'private_key', 'privateKey', 'signing_key',
  'credential', 'credentials', 'aws_credentials', 'jwt'
]

/** Keys an LLM API's details hold every day, which must stay readable. */
const plainKeys = [
  'max_tokens', 'maxTokens', 'requested_tokens', 'token_count', 'tokenCount', 'prompt_tokens', 'completion_tokens', 'total_tokens',
  'tokens', 'tokenizer', 'token_limit', 'author', 'authored_by', 'authenticated', 'key', 'keys', 'key_id', 'primary_key_column',
  'session', 'session_length', 'cookie_consent_required'.replace('cookie_', 'consent_'), 'secretary', 'model', 'user', 'id', 'field', 'issue', 'limit',
  'passed', 'pass_rate', 'public_key_fingerprint'
]

/** Values that are credentials whatever their key. */
const secretValues = [
  'Bearer sk-live-51HqLyjWDarjtT1zdp7dc',
  'bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  'Basic dXNlcjpodW50ZXIy',
  'sk-proj-abcDEF0123456789ghiJKL0123456789mnoPQR',
  'sk-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdEFGH',
  'sk_live_51HqLyjWDarjtT1zdp7dc',
  'sk_test_4eC39HqLyjWDarjtT1zdp7dc',
  'pk_live_51HqLyjWDarjtT1zdp7dc',
  'rk_live_51HqLyjWDarjtT1zdp7dc',
  'sk-ant-api03-abcdefghijklmnop',
  'ghp_16C7e42F292c6912E7710c838347Ae178B4a',
  'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz',
  'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx',
  'xoxp-123456789012-abcdefgh',
  'AKIAIOSFODNN7EXAMPLE',
  'AIzaSyA-1234567890abcdefghijklmnopqrstu',
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  'postgres://admin:hunter2pass@db.internal:5432/app'
]
/** The part of each secret value that must not survive. */
const secretPart = (value: string): string => value.startsWith('postgres') ? 'hunter2pass' : value.replace(/^(Bearer|bearer|Basic) /, '').slice(0, 24)

/** Values that look a bit like credentials but are ordinary text. */
const plainValues = [
  'Basic plan', 'Basic authentication is not supported', 'Bearer token required', 'Token limit exceeded',
  'sk-learn', 'task-1234567890', 'risk-assessment', 'gpt-4o-mini', 'AKIA', 'eyJ', 'ghp_short', 'https://api.example.com/v1/models',
  'The prompt has 5000 tokens', 'use a key of at least 32 bytes'
]

t.test('secret key words are redacted, ordinary keys are not (table over both directions)', async t => {
  const details: Record<string, string> = {}
  for (const key of [...secretKeys, ...plainKeys]) details[key] = `value-of-${key}`
  for (const format of ['flat', 'envelope'] as const) {
    const app = await build(t, { plugin: { format, preset: 'genai' } })
    app.get('/', async () => { throw new ApiError('INVALID_REQUEST', { details }) })
    const res = await app.inject('/')
    const shown = format === 'envelope' ? res.json().error.details : undefined
    if (shown === undefined) continue
    for (const key of secretKeys) t.equal(shown[key], '[Redacted]', `${key} is redacted`)
    for (const key of plainKeys) t.equal(shown[key], `value-of-${key}`, `${key} is shown`)
  }
})

t.test('credential-looking values are redacted under any key, ordinary text is not', async t => {
  const app = await build(t, { plugin: { preset: 'genai' } })
  const details = {
    said: secretValues.map(value => `upstream said: ${value} (retry)`),
    nested: { note: secretValues[0] },
    plain: plainValues
  }
  app.get('/', async () => { throw new ApiError('INVALID_REQUEST', { details }) })
  app.get('/message', async () => { throw new ApiError('INVALID_REQUEST', { message: `Key ${secretValues[3]} was refused` }) })
  const res = await app.inject('/')
  const shown = res.json().error.details
  for (const [i, value] of secretValues.entries()) {
    t.notOk(res.body.includes(secretPart(value)), `${value} is redacted`)
    t.match(shown.said[i], /^upstream said: .*\[Redacted\].* \(retry\)$/, `${value}: the text around it stays`)
  }
  t.equal(shown.nested.note, '[Redacted]')
  t.same(shown.plain, plainValues, 'ordinary text is shown as it is')
  const message = (await app.inject('/message')).json().error.message
  t.equal(message, 'Key [Redacted] was refused', 'the message of an error we show is redacted too')
})

t.test('the redact option: your own keys (by words), and false turns all redaction off', async t => {
  const own = await build(t, { plugin: { format: 'envelope', redact: ['ssn', 'internal note'] } })
  own.get('/', async () => {
    throw new ApiError('JOB_NOT_FOUND', { details: { ssn: '078-05-1120', user_ssn: '078-05-1121', internalNote: 'n', ssnumber: 's', password: 'shown', auth: secretValues[0] } })
  })
  t.same((await own.inject('/')).json().error.details, {
    ssn: '[Redacted]', user_ssn: '[Redacted]', internalNote: '[Redacted]', ssnumber: 's', password: 'shown', auth: '[Redacted]'
  }, 'your keys replace the built-in words; credential values stay hidden')

  const off = await build(t, { plugin: { format: 'envelope', redact: false } })
  off.get('/', async () => { throw new ApiError('JOB_NOT_FOUND', { details: { password: 'shown', auth: secretValues[0] } }) })
  t.same((await off.inject('/')).json().error.details, { password: 'shown', auth: secretValues[0] })
})

t.test('copies are plain data: __proto__ is an ordinary key', async t => {
  let seen: Record<string, unknown> | undefined
  const spy: Format = {
    name: 'spy',
    contentType: 'application/json; charset=utf-8',
    build: record => {
      seen = record.details
      return { details: record.details }
    }
  }
  const app = await build(t, { plugin: { format: spy } })
  const details = JSON.parse('{"__proto__": {"polluted": true, "toString": "x"}, "a": 1, "nested": {"__proto__": {"deep": 1}}}')
  app.get('/', async () => { throw new ApiError('JOB_NOT_FOUND', { details }) })
  const res = await app.inject('/')
  t.equal(Object.getPrototypeOf(seen), Object.prototype, 'the prototype of the copy is untouched')
  t.equal((seen as Record<string, unknown>).polluted, undefined, 'no inherited members')
  t.ok(Object.hasOwn(seen as object, '__proto__'), '__proto__ is an own key')
  t.same(JSON.parse(res.body).details, JSON.parse('{"__proto__": {"polluted": true, "toString": "x"}, "a": 1, "nested": {"__proto__": {"deep": 1}}}'))
  t.match(res.body, /"__proto__":\{"polluted":true/, 'and it is sent')
})

t.test('a thrown error\'s properties reach the log redacted, at any depth', async t => {
  const secrets = ['hunter2-SECRET', 'sk-live-51HqLyjWDarjtT1zdp7dc', 'cookie-SECRET', 'session-SECRET', 'AKIAIOSFODNN7EXAMPLE']
  const kinds: Array<[string, () => unknown]> = [
    ['an axios-like error', () => Object.assign(new Error(`Request failed: Bearer ${secrets[1]}`), {
      isAxiosError: true,
      config: { url: 'https://api.example.com', headers: { Authorization: `Bearer ${secrets[1]}`, Cookie: secrets[2] } },
      response: { status: 401, headers: { 'set-cookie': secrets[2] }, data: { error: 'bad', session_id: secrets[3] } }
    })],
    ['an Error with a password property', () => Object.assign(new Error('login failed'), { password: secrets[0], user: { pwd: secrets[0], keyId: secrets[4] } })],
    ['an Error whose cause holds a secret', () => new Error('outer', { cause: Object.assign(new Error(`inner ${secrets[1]}`), { auth: secrets[0] }) })],
    ['an AggregateError', () => new AggregateError([Object.assign(new Error('one'), { password: secrets[0] })], 'many')],
    ['a 5xx ApiError with secrets in details and cause', () => new ApiError('SYSTEM_INTERNAL_ERROR', { details: { token: secrets[3], note: secrets[4] }, cause: Object.assign(new Error(secrets[1]), { cookie: secrets[2] }) })],
    ['a plain object', () => ({ message: `failed with ${secrets[1]}`, credentials: { user: 'u', password: secrets[0] } })],
    ['a string', () => `boom ${secrets[1]}`]
  ]
  const { stream, lines } = logCapture()
  const app = await build(t, { server: { logger: { level: 'info', stream } } })
  kinds.forEach(([, make], i) => app.get(`/${i}`, async () => { throw make() }))
  for (const [i, [label]] of kinds.entries()) {
    lines.length = 0
    const res = await app.inject(`/${i}`)
    t.ok(res.statusCode >= 500, `${label}: a 5xx`)
    const text = JSON.stringify(lines)
    t.ok(lines.some(line => line.level === 50 && line.err !== undefined), `${label}: an error line with err`)
    for (const secret of secrets) t.notOk(text.includes(secret), `${label}: ${secret} is not in the log`)
  }
  lines.length = 0
  await app.inject('/0')
  const err = lines.find(line => line.level === 50)?.err
  t.equal(err?.type, 'Error', 'the type stays')
  t.match(err?.message, /^Request failed: \[Redacted\]/, 'the message stays, redacted')
  t.match(err?.stack, /^Error: Request failed: \[Redacted\]\n\s+at /, 'the stack stays, redacted')
  t.equal(err?.config?.url, 'https://api.example.com', 'ordinary properties stay')
  t.equal(err?.config?.headers?.Authorization, '[Redacted]')
  t.equal(err?.response?.status, 401)
  lines.length = 0
  await app.inject('/2')
  t.match(lines.find(line => line.level === 50)?.err?.stack, /caused by: Error: inner \[Redacted\]/, 'causes stay in the stack, redacted')
})
