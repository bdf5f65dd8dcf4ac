/**
 * Property-based fuzzing of the error handler with fast-check: for every
 * preset, a route throws an arbitrary value (anything fast-check can make, and
 * crafted hostile errors), and every response must be that preset's documented
 * envelope, with its request id, and for a 5xx without the thrown message or
 * a stack.
 *
 * FUZZ_RUNS sets the number of runs per preset (default 200, what CI runs);
 * a nightly-style run asks for more:
 *
 *   FUZZ_RUNS=20000 npx tap test/property.test.ts
 *
 * FUZZ_SEED replays the seed a failure reported.
 */
import { Writable } from 'node:stream'
import fc from 'fast-check'
import t from 'tap'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import {
  ApiError, presets,
  type Condition, type PresetName
} from '../src/index.js'
import { ajv, build, validators, type Teardown } from './helper.js'

const runs = Number(process.env.FUZZ_RUNS ?? 200)
const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED)
/** A response that takes longer than this is a hang. */
const injectTimeout = 1000

type FormatName = keyof typeof validators

const presetNames: PresetName[] = ['aitbc', 'genai', 'sessions', 'tokenbay', 'problem']
const generatedId = /^req_[0-9a-f]{32}$/
const stackLine = /\n\s+at /
const stackFrame = /\bat [^\s"]+ \([^)"]*:\d+:\d+\)/
const longMessageFill = 'x'.repeat(1024 * 1024)

type Body = Record<string, any>

function formatOf (preset: PresetName): FormatName {
  return presets[preset].format.name
}

/** The code and status a preset answers a condition with. */
function targetOf (preset: PresetName, condition: Condition): { code: string, status: number } {
  const target = presets[preset].conditions[condition]
  if (typeof target !== 'string') return target
  return { code: target, status: catalogOf(preset)[target]?.status ?? -1 }
}

function catalogOf (preset: PresetName): Record<string, { status: number }> {
  return presets[preset].catalog as Record<string, { status: number }>
}

function isErrorStatus (value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 400 && value <= 599
}

function codeOf (format: FormatName, body: Body): unknown {
  return format === 'flat' ? body.error_code : format === 'problem' ? body.code : body.error?.code
}

function messageOf (format: FormatName, body: Body): unknown {
  return format === 'flat' || format === 'problem' ? body.detail : body.error?.message
}

/** The body's request id; the openai format keeps it in the header only. */
function requestIdOf (format: FormatName, body: Body): unknown {
  if (format === 'openai') return undefined
  return format === 'envelope' ? body.meta?.request_id : body.request_id
}

function strings (value: unknown, into: string[] = []): string[] {
  if (typeof value === 'string') into.push(value)
  else if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) strings(v, into)
  return into
}

/** What the handler must answer for one thrown value, as far as the case fixes it. */
interface Expect {
  /** The status, or 'internal' for the preset's internal error. */
  status?: number | 'internal'
  /** The code in the body (when status is a number). */
  code?: string
  /** A 5xx may show the message (ApiError `expose: true`). */
  exposed?: boolean
  /** A 4xx must start its message with this. */
  messageStart?: string
  /** An untrusted error (docs/safety.md): its message never shows, whatever the status. */
  untrusted?: boolean
  /** The body must stay under this many bytes. */
  maxBody?: number
  /** `Retry-After` and the flat `retry_after`. */
  retryAfter?: number
  /** An ApiError's options, resolved against each preset's catalog. */
  apiError?: ApiExpect
}

interface Case {
  make: () => unknown
  expect: Expect
  mode: 'sync' | 'async'
  [fc.toStringMethod]: () => string
}

/** A case, named by `label` in fast-check's report (the value itself may be a Proxy that throws on inspection). */
function caseOf (label: () => string, make: () => unknown, expect: Expect = {}): fc.Arbitrary<Case> {
  return fc.constantFrom<Array<'sync' | 'async'>>('sync', 'async').map(mode => ({
    make,
    expect,
    mode,
    [fc.toStringMethod]: () => `${mode} throw of ${label()}`
  }))
}

const secret = fc.nat().map(n => `SECRET-${n.toString(16).padStart(8, '0')}`)

/** Statuses no error may answer with. */
const hostileStatus = fc.constantFrom<unknown>(0, 200, 302, 399, 600, 999, 'abc', '500', '404', NaN, -1, 400.5, 1e21,
  Number.MAX_VALUE, Infinity, -Infinity, null, true, 500n, Symbol('status'))
const errorStatus = fc.integer({ min: 400, max: 599 })
const anyStatus = fc.oneof(errorStatus, hostileStatus)
/** Numbers that are no error status, for ApiError's typed `status`. */
const hostileNumber = fc.constantFrom(0, 200, 302, 399, 600, 999, NaN, -1, 400.5, 1e21, Number.MAX_VALUE, Infinity, -Infinity)

function expectedStatus (status: unknown): number | 'internal' {
  return isErrorStatus(status) ? status : 'internal'
}

/** What a plain error's own status answers: a 4xx is kept, a 5xx is the internal error (docs/safety.md, "Which errors are trusted"). */
function untrustedStatus (status: unknown): number | 'internal' {
  return isErrorStatus(status) && status < 500 ? status : 'internal'
}

const throwing = (what: string) => (): never => { throw new Error(`${what} exploded`) }

function everyTrapThrows (): object {
  const trap = throwing('trap')
  return new Proxy({}, {
    get: trap,
    set: trap,
    has: trap,
    ownKeys: trap,
    getOwnPropertyDescriptor: trap,
    getPrototypeOf: trap,
    setPrototypeOf: trap,
    defineProperty: trap,
    deleteProperty: trap,
    isExtensible: trap,
    preventExtensions: trap,
    apply: trap,
    construct: trap
  })
}

function revokedProxy (): object {
  const { proxy, revoke } = Proxy.revocable({}, {})
  revoke()
  return proxy
}

/** A proxy whose every property is the proxy itself. */
function selfProxy (): object {
  const proxy: object = new Proxy({}, { get: () => proxy })
  return proxy
}

const anythingOptions = {
  maxDepth: 3,
  maxKeys: 5,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withNullPrototype: true,
  withObjectString: true,
  withSet: true,
  withSparseArray: true,
  withTypedArray: true,
  stringUnit: 'binary'
} as const

const interestingKeys = ['statusCode', 'status', 'validation', 'validationContext', 'name', 'code', 'output', 'isBoom', 'cause', 'headers']

/** fc.anything(), thrown as it is. */
const anythingCase = fc.anything(anythingOptions).chain(value => {
  const plain = typeof value !== 'object' || value === null || !interestingKeys.some(k => Object.hasOwn(value, k))
  return caseOf(() => fc.stringify(value), () => value, plain ? { status: 'internal' } : {})
})

/** An Error carrying random values under the keys the handler reads. */
const decoratedErrorCase = fc.record({
  secret,
  extra: fc.dictionary(
    fc.constantFrom(...interestingKeys, 'message', 'stack', 'details', 'expose', 'toJSON', 'retryAfter'),
    fc.oneof(
      fc.anything(anythingOptions),
      anyStatus,
      fc.constantFrom('FST_ERR_CTP_INVALID_MEDIA_TYPE', 'FST_ERR_CTP_BODY_TOO_LARGE', 'FST_ERR_NOT_FOUND', 'ECONNREFUSED',
        'ETIMEDOUT', 'TimeoutError', 'SyntaxError', 'JOB_NOT_FOUND', 'not_found', 'body', 'querystring')
    ),
    { maxKeys: 6 }
  ),
  frozen: fc.boolean()
}).chain(({ secret, extra, frozen }) => caseOf(
  () => `an Error(${secret}) with ${fc.stringify(extra)}${frozen ? ', frozen' : ''}`,
  () => {
    const error = Object.assign(new Error(secret, { cause: new Error(`${secret} cause`) }), extra)
    return frozen ? Object.freeze(error) : error
  }
))

/** Errors whose statusCode (or status) is no error status: always the internal error, never the message. */
const hostileStatusCase = fc.record({ secret, status: hostileStatus, key: fc.constantFrom('statusCode', 'status'), frozen: fc.boolean() })
  .chain(({ secret, status, key, frozen }) => caseOf(
    () => `an Error(${secret}) with ${key} ${fc.stringify(status)}${frozen ? ', frozen' : ''}`,
    () => {
      const error = Object.assign(new Error(secret), { [key]: status })
      return frozen ? Object.freeze(error) : error
    },
    { status: 'internal' }
  ))

/** Errors whose message is no string (or a getter that throws). */
const oddMessageCase = fc.record({
  status: anyStatus,
  message: fc.oneof(
    fc.constant<unknown>(undefined), fc.constant(null), fc.integer(), fc.double(), fc.object(), fc.constant(Symbol('message')),
    fc.constant(12n), fc.constant(throwing('message'))
  ),
  getter: fc.boolean()
}).chain(({ status, message, getter }) => caseOf(
  () => `an Error with statusCode ${fc.stringify(status)} and message ${getter ? 'getter that throws' : fc.stringify(message)}`,
  () => {
    const error = Object.assign(new Error('placeholder'), { statusCode: status })
    Object.defineProperty(error, 'message', getter ? { get: throwing('message') } : { value: message })
    return error
  },
  { status: untrustedStatus(status), untrusted: true }
))

/** Errors and plain objects with getters that throw on the keys the handler reads. */
const throwingGetterCase = fc.record({
  secret,
  keys: fc.subarray([...interestingKeys, 'message', 'stack', 'details', 'expose', 'toJSON', 'constructor'], { minLength: 1 }),
  base: fc.constantFrom('Error', 'object', 'null-prototype'),
  status: fc.option(anyStatus, { nil: undefined })
}).chain(({ secret, keys, base, status }) => caseOf(
  () => `${base} with throwing getters ${keys.join(', ')}${status === undefined ? '' : ` and statusCode ${fc.stringify(status)}`}`,
  () => {
    const value: object = base === 'Error' ? new Error(secret) : base === 'object' ? { message: secret } : Object.assign(Object.create(null), { message: secret })
    // V8 formats an Error's stack when it is first read, with its name: do it before that getter throws.
    if (value instanceof Error) Reflect.get(value, 'stack')
    if (status !== undefined && !keys.includes('statusCode')) Object.assign(value, { statusCode: status })
    for (const key of keys) Object.defineProperty(value, key, { get: throwing(key), enumerable: true })
    return value
  }
))

/** toJSON that throws, on an Error or a plain object, with a status. */
const toJSONCase = fc.record({ secret, status: anyStatus, base: fc.constantFrom('Error', 'object') })
  .chain(({ secret, status, base }) => caseOf(
    () => `${base}(${secret}) with statusCode ${fc.stringify(status)} and a toJSON that throws`,
    () => {
      const value = base === 'Error' ? new Error(secret) : { message: secret }
      return Object.assign(value, { statusCode: status, toJSON: throwing('toJSON') })
    },
    { status: untrustedStatus(status), untrusted: true }
  ))

/** Proxies: every trap throws, revoked, or each property is the proxy again. */
const proxyCase = fc.record({
  kind: fc.constantFrom('every trap throws', 'revoked', 'self-returning'),
  where: fc.constantFrom('thrown', 'cause', 'details', 'headers', 'statusCode')
}).chain(({ kind, where }) => {
  const make = kind === 'revoked' ? revokedProxy : kind === 'self-returning' ? selfProxy : everyTrapThrows
  if (where === 'thrown') return caseOf(() => `a Proxy (${kind})`, make)
  if (where === 'statusCode') {
    return caseOf(() => `an Error with a Proxy (${kind}) as statusCode`, () => Object.assign(new Error('SECRET-proxy'), { statusCode: make() }), { status: 'internal' })
  }
  return caseOf(
    () => `an ApiError('JOB_NOT_FOUND') with a Proxy (${kind}) as ${where}`,
    () => new ApiError('JOB_NOT_FOUND', { [where]: make() }),
    {}
  )
})

/** A 1 MB message, for a 4xx, a 5xx or no status at all. */
const longMessageCase = fc.record({ secret, status: fc.oneof(errorStatus, hostileNumber), api: fc.boolean() })
  .chain(({ secret, status, api }) => {
    const make = (): unknown => api
      ? new ApiError('CUSTOM_LONG', { status, message: secret + longMessageFill })
      : Object.assign(new Error(secret + longMessageFill), { statusCode: status })
    return caseOf(
      () => `${api ? 'an ApiError' : 'an Error'} with a 1 MB message and status ${fc.stringify(status)}`,
      make,
      // An ApiError's 4xx keeps its message; a plain Error's never shows.
      api
        ? { status: expectedStatus(status), maxBody: 64 * 1024, ...(isErrorStatus(status) && status < 500 ? { messageStart: secret } : {}) }
        : { status: untrustedStatus(status), maxBody: 64 * 1024, untrusted: true }
    )
  })

/** Details no JSON can hold as they are: cycles, BigInt, symbols, functions, class instances, proxies. */
const hostileDetails = fc.oneof(
  fc.constant(() => {
    const details: Record<string | symbol, unknown> = { big: 2n ** 70n, sym: Symbol('s'), fn: () => 1, [Symbol('key')]: 1, date: new Date(NaN) }
    details.self = details
    details.list = [details, { back: details }]
    return details
  }),
  fc.constant(() => ({ nested: { deeper: { big: 1n, sym: Symbol.iterator } }, map: new Map([[1, 2]]), set: new Set([1]), url: new URL('http://x/') })),
  fc.constant(() => ({ getter: Object.defineProperty({}, 'boom', { get: throwing('details getter'), enumerable: true }) })),
  fc.constant(() => ({ proxy: everyTrapThrows(), revoked: revokedProxy() })),
  fc.constant(() => ({ toJSON: throwing('details toJSON'), kept: 1 })),
  fc.constant(() => {
    let deep: Record<string, unknown> = { leaf: true }
    for (let i = 0; i < 10_000; i++) deep = { deep }
    return deep
  }),
  fc.constant(() => ({ wide: Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, 'v'.repeat(100)])) })),
  fc.anything(anythingOptions).map(value => () => value),
  fc.object({ ...anythingOptions, values: [fc.anything(anythingOptions)] }).map(value => () => value)
)

const headerName = fc.oneof(
  fc.constantFrom('Trailer', 'Content-Length', 'Transfer-Encoding', 'Connection', 'Content-Type', 'X-Request-Id', 'Set-Cookie',
    'Retry-After', 'Location', 'Date', 'Keep-Alive', 'Upgrade', 'Vary', 'x-should-retry', '__proto__', 'constructor', 'X Bad', 'é', ''),
  fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 20 }),
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/)
)
const headerValue = fc.oneof(
  fc.string({ unit: 'binary-ascii', maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
  fc.constantFrom('ok\r\nSet-Cookie: evil=1', 'a\nb', 'a\rb', '', ' ', 'é', 'x'.repeat(5000)),
  fc.integer(),
  fc.double()
)
const printable = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary-ascii' }))
const allCodes = [...new Set(presetNames.flatMap(name => Object.keys(presets[name].catalog)))]

/** ApiErrors with random codes and random options. */
const apiErrorCase = fc.record({
  secret,
  code: fc.oneof(printable, fc.constantFrom(...allCodes, '__proto__', 'constructor', 'toString')),
  message: fc.option(printable, { nil: undefined }),
  status: fc.option(fc.oneof(errorStatus, fc.integer(), hostileNumber), { nil: undefined }),
  retryAfter: fc.option(fc.oneof(fc.double(), fc.integer({ min: -10, max: 100_000_000 }), fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, 0.2, 1e300)), { nil: undefined }),
  headers: fc.option(fc.dictionary(headerName, headerValue, { maxKeys: 6 }), { nil: undefined }),
  field: fc.option(fc.oneof(printable, fc.string({ unit: 'binary', maxLength: 300 }), fc.constant('f'.repeat(1000))), { nil: undefined }),
  details: fc.option(fc.oneof(hostileDetails, fc.constant(undefined)), { nil: undefined }),
  expose: fc.option(fc.boolean(), { nil: undefined }),
  cause: fc.option(fc.anything(anythingOptions), { nil: undefined }),
  frozen: fc.boolean()
}).chain(spec => {
  const { secret, code, status, retryAfter, headers, field, expose, cause, frozen } = spec
  const message = spec.message === undefined ? undefined : `${secret} ${spec.message}`
  const makeDetails = spec.details
  return caseOf(
    () => `new ApiError(${JSON.stringify(code)}, ${fc.stringify({ message, status, retryAfter, headers, field, expose, cause, details: makeDetails === undefined ? undefined : '(hostile)' })})${frozen ? ', frozen' : ''}`,
    () => {
      const details = makeDetails === undefined ? { note: secret } : { note: secret, hostile: makeDetails() }
      const error = new ApiError(code, { message, status, retryAfter, headers: headers as Record<string, string | number>, field, details, expose, cause })
      return frozen ? Object.freeze(error) : error
    },
    {
      exposed: expose === true,
      // Resolved per preset in check(): status, code and message depend on the catalog.
      apiError: { code, status, message, retryAfter }
    }
  )
})

interface ApiExpect { code: string, status: number | undefined, message: string | undefined, retryAfter: number | undefined }

/** What an ApiError must become in `preset`. */
function resolveApiExpect (preset: PresetName, api: ApiExpect): Expect {
  const known = Object.hasOwn(catalogOf(preset), api.code) ? catalogOf(preset)[api.code]?.status : undefined
  const status = isErrorStatus(api.status) ? api.status : known
  // A blank code is a programming error: the given status's generic code, or the internal error.
  if (api.code.trim() === '') return isErrorStatus(api.status) ? { status: api.status } : { status: 'internal' }
  const expect: Expect = status === undefined ? { status: 'internal' } : { status, code: api.code }
  if (status !== undefined && status < 500 && api.message !== undefined && api.message.length > 0) expect.messageStart = api.message.slice(0, 1024)
  // `retryAfter` wins over a Retry-After in `headers`.
  if (status !== undefined && typeof api.retryAfter === 'number' && Number.isFinite(api.retryAfter) && api.retryAfter >= 0) {
    expect.retryAfter = Math.max(1, Math.ceil(Math.min(api.retryAfter, 31_536_000)))
  }
  return expect
}

const hostileCase: fc.Arbitrary<Case> = fc.oneof(
  { arbitrary: anythingCase, weight: 4 },
  { arbitrary: decoratedErrorCase, weight: 3 },
  { arbitrary: hostileStatusCase, weight: 2 },
  { arbitrary: oddMessageCase, weight: 2 },
  { arbitrary: throwingGetterCase, weight: 2 },
  { arbitrary: toJSONCase, weight: 1 },
  { arbitrary: proxyCase, weight: 2 },
  { arbitrary: longMessageCase, weight: 1 },
  { arbitrary: apiErrorCase, weight: 5 }
)

/** A pino destination that keeps the raw lines. */
function logSink (): { stream: Writable, lines: string[] } {
  const lines: string[] = []
  const stream = new Writable({
    write (chunk, _encoding, callback) {
      lines.push(String(chunk))
      callback()
    }
  })
  return { stream, lines }
}

interface Harness {
  app: FastifyInstance
  lines: string[]
  setThrown: (value: unknown) => void
}

async function harness (t: Teardown, preset: PresetName): Promise<Harness> {
  const { stream, lines } = logSink()
  const app = await build(t, { plugin: { preset }, server: { logger: { level: 'info', stream } } })
  let thrown: unknown
  app.get('/sync', () => { throw thrown })
  app.get('/async', async () => { throw thrown })
  await app.ready()
  return { app, lines, setThrown: value => { thrown = value } }
}

async function injectWithin (app: FastifyInstance, url: string): Promise<LightMyRequestResponse | undefined> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<undefined>(resolve => { timer = setTimeout(() => resolve(undefined), injectTimeout) })
  try {
    return await Promise.race([app.inject(url), timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Everything wrong with one response; empty when it is the preset's envelope. */
function problemsOf (preset: PresetName, c: Case, res: LightMyRequestResponse, lines: string[]): string[] {
  const problems: string[] = []
  const format = formatOf(preset)
  const api = c.expect.apiError
  const expect = api === undefined ? c.expect : { ...c.expect, ...resolveApiExpect(preset, api) }
  const internal = targetOf(preset, 'internal')
  const status = res.statusCode

  if (!(status >= 400 && status <= 599)) problems.push(`status ${status} is not 4xx/5xx`)
  const expectedType = format === 'problem' ? /^application\/problem\+json/ : /^application\/json/
  if (!expectedType.test(String(res.headers['content-type']))) problems.push(`content type ${String(res.headers['content-type'])}`)
  let body: Body
  try {
    body = JSON.parse(res.body)
  } catch {
    return [...problems, `body is not JSON: ${res.body.slice(0, 200)}`]
  }
  const validate = validators[format]
  if (!validate(body)) problems.push(`body does not match the ${format} schema: ${ajv.errorsText(validate.errors)}: ${res.body.slice(0, 300)}`)

  const id = res.headers['x-request-id']
  if (typeof id !== 'string' || !generatedId.test(id)) problems.push(`X-Request-Id ${String(id)}`)
  if (format !== 'openai' && requestIdOf(format, body) !== id) problems.push(`body request id ${String(requestIdOf(format, body))} is not the header's ${String(id)}`)
  if (format === 'problem' && body.status !== status) problems.push(`problem status ${String(body.status)} is not ${status}`)

  if (expect.status === 'internal') {
    if (status !== internal.status || codeOf(format, body) !== internal.code) problems.push(`expected the internal error, got ${status} ${String(codeOf(format, body))}`)
  } else if (expect.status !== undefined) {
    if (status !== expect.status) problems.push(`expected status ${expect.status}, got ${status}`)
    if (expect.code !== undefined && codeOf(format, body) !== expect.code) problems.push(`expected code ${JSON.stringify(expect.code)}, got ${JSON.stringify(codeOf(format, body))}`)
  }
  if (expect.messageStart !== undefined && status < 500) {
    const message = messageOf(format, body)
    if (typeof message !== 'string' || !message.startsWith(expect.messageStart.slice(0, 64))) problems.push(`4xx message ${JSON.stringify(String(message).slice(0, 80))} is not the thrown one`)
  }
  if (expect.untrusted === true && res.body.includes('SECRET-')) problems.push(`an untrusted error's message shows: ${res.body.slice(0, 300)}`)
  if (expect.maxBody !== undefined && res.body.length > expect.maxBody) problems.push(`body is ${res.body.length} bytes`)
  if (res.body.length > 2 * 1024 * 1024) problems.push(`body is ${res.body.length} bytes`)
  if (expect.retryAfter !== undefined) {
    if (res.headers['retry-after'] !== String(expect.retryAfter)) problems.push(`Retry-After ${String(res.headers['retry-after'])}, expected ${expect.retryAfter}`)
    if (format === 'flat' && body.retry_after !== expect.retryAfter) problems.push(`retry_after ${String(body.retry_after)}, expected ${expect.retryAfter}`)
  }
  for (const [name, value] of Object.entries(res.headers)) {
    if (String(value).includes('evil') || name === 'evil') problems.push(`injected header ${name}: ${String(value)}`)
  }

  if (status >= 500) {
    if (expect.exposed !== true) {
      if (res.body.includes('SECRET-')) problems.push(`5xx body shows the thrown message: ${res.body.slice(0, 300)}`)
      if (res.body.includes('xxxxxxxxxxxxxxxx')) problems.push('5xx body shows a piece of the long message')
    }
    for (const text of strings(body)) {
      if (stackLine.test(text) || stackFrame.test(text)) problems.push(`5xx body holds a stack line: ${text.slice(0, 200)}`)
    }
    if (!lines.some(line => line.includes('"level":50') && line.includes(`"request_id":"${String(id)}"`))) problems.push('no error-level log line with the request id')
  }
  return problems
}

for (const preset of presetNames) {
  t.test(`${preset}: anything thrown gets the ${formatOf(preset)} envelope (${runs} runs)`, async t => {
    const { app, lines, setThrown } = await harness(t, preset)
    let ran = 0
    let failure: unknown
    try {
      await fc.assert(fc.asyncProperty(hostileCase, async c => {
        ran++
        lines.length = 0
        setThrown(c.make())
        const res = await injectWithin(app, `/${c.mode}`)
        if (res === undefined) throw new Error(`no response within ${injectTimeout} ms`)
        const problems = problemsOf(preset, c, res, lines)
        if (problems.length > 0) throw new Error(problems.join('\n'))
      }), { numRuns: runs, seed, endOnFailure: true })
    } catch (err) {
      failure = err
    }
    t.equal(failure, undefined, failure instanceof Error ? failure.message : 'every run answered with the envelope')
    if (failure === undefined) t.equal(ran, runs, `ran ${runs} cases`)
  })
}

/** The crafted values the property draws from, each once per preset, so that none depends on chance. */
t.test('every hostile kind, once per preset', async t => {
  const fixed: Array<[string, () => unknown, Expect]> = [
    ['an ApiError with a Trailer header', () => new ApiError('CUSTOM', { status: 409, headers: { Trailer: 'x-checksum' } }), { status: 409, code: 'CUSTOM' }],
    ['an Error with statusCode 400 and a Trailer header', () => Object.assign(new Error('bad'), { statusCode: 400, headers: { trailer: 'x' } }), { status: 400 }],
    ['an ApiError with headers that hold CR/LF', () => new ApiError('CUSTOM', { status: 400, headers: { 'X-A': 'a\r\nSet-Cookie: evil=1', 'X-B\r\n': 'b', 'X-C': 'c\n' } }), { status: 400, code: 'CUSTOM' }],
    ['an unknown code with status 503 and a secret message', () => new ApiError('CUSTOM_DOWN', { status: 503, message: 'SECRET-db-at-10.0.0.3' }), { status: 503, code: 'CUSTOM_DOWN' }],
    ['a Proxy that throws on every trap', everyTrapThrows, { status: 'internal' }],
    ['a revoked Proxy', revokedProxy, { status: 'internal' }],
    ['an Error with statusCode 1e21', () => Object.assign(new Error('SECRET-huge'), { statusCode: 1e21 }), { status: 'internal' }],
    ['a frozen Error with status 400.5', () => Object.freeze(Object.assign(new Error('SECRET-frac'), { status: 400.5 })), { status: 'internal' }],
    ['an ApiError with circular details', () => {
      const details: Record<string, unknown> = { big: 1n, sym: Symbol('s') }
      details.self = details
      return new ApiError('CUSTOM', { status: 422, details })
    }, { status: 422, code: 'CUSTOM' }]
  ]
  for (const preset of presetNames) {
    const { app, lines, setThrown } = await harness(t, preset)
    for (const [name, make, expect] of fixed) {
      const c = { make, expect, mode: 'async' as const, [fc.toStringMethod]: () => name }
      lines.length = 0
      setThrown(make())
      const res = await injectWithin(app, '/async')
      if (res === undefined) {
        t.fail(`${preset}: ${name}: no response within ${injectTimeout} ms`)
        continue
      }
      t.same(problemsOf(preset, c, res, lines), [], `${preset}: ${name}`)
    }
  }
})
