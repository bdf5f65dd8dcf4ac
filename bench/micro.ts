// npm run bench:micro: where the microseconds of one error response go, step by step.
import createError from '@fastify/error'
import { ApiError, createEnvelopeFormat, createFlatFormat, createOpenAIFormat, createProblemFormat, presets } from '../src/index.js'
// Internal: the options the handler works from, resolved once.
import { resolveOptions } from '../src/options.js'
import { toErrorAnswer } from '../src/answer.js'

function bench (name: string, fn: () => unknown, iterations = 200_000): void {
  for (let i = 0; i < 10_000; i++) fn()
  const start = process.hrtime.bigint()
  let sink: unknown
  for (let i = 0; i < iterations; i++) sink = fn()
  const ns = Number(process.hrtime.bigint() - start) / iterations
  if (sink === Symbol.for('never')) console.log(sink)
  console.log(`${name.padEnd(58)} ${(ns / 1000).toFixed(3).padStart(8)} µs  ${Math.round(1e9 / ns).toLocaleString('en').padStart(12)} ops/s`)
}

const NotFound = createError('JOB_NOT_FOUND', "Job doesn't exist", 404)
const opts = resolveOptions({})
const facts = { requestId: 'req_0123456789abcdef0123456789abcdef', instance: '/err', method: 'GET' }

console.log('Creating an error')
bench('new Error(message) (stack captured)', () => new Error("Job doesn't exist"))
bench('@fastify/error 404 (stack captured)', () => new NotFound())
bench('presets.aitbc.errors.JOB_NOT_FOUND() (4xx: no stack)', () => presets.aitbc.errors.JOB_NOT_FOUND())
ApiError.stackTraces = 'all'
bench("same, ApiError.stackTraces = 'all'", () => presets.aitbc.errors.JOB_NOT_FOUND())
ApiError.stackTraces = 'server-errors'
bench("new ApiError('JOB_NOT_FOUND') (status unknown: stack)", () => new ApiError('JOB_NOT_FOUND'))

console.log('\nNormalising into a record')
const err = presets.aitbc.errors.JOB_NOT_FOUND()
bench('toErrorAnswer(ApiError)', () => toErrorAnswer(err, facts, opts))
bench('toErrorAnswer(@fastify/error 404)', () => toErrorAnswer(new NotFound(), facts, opts))

console.log('\nBuilding and serialising a body')
const record = toErrorAnswer(err, facts, opts).record
for (const format of [createFlatFormat(), createEnvelopeFormat(), createOpenAIFormat(), createProblemFormat()]) {
  const body = format.build(record)
  bench(`${format.name}: build`, () => format.build(record))
  bench(`${format.name}: JSON.stringify`, () => JSON.stringify(body))
  bench(`${format.name}: compiled serializer`, () => (format.serialize as (b: unknown) => string)(body))
}

// A whole /err request through Fastify (inject), as server CPU time per request: user + system, so
// a log line's write counts. Contenders are measured in turns and the minimum kept: on a shared
// machine what varies is extra work, never less. MICRO_SKIP_REQUESTS=1 skips this part.
if (process.env.MICRO_SKIP_REQUESTS !== '1') {
  const { buildContender } = await import('./server.js')
  type Name = Parameters<typeof buildContender>[0]
  async function perRequest (names: Name[], logging: string | false, n = 2000, turns = 7): Promise<void> {
    const apps = await Promise.all(names.map(async name => ({ name, app: await buildContender(name, logging), best: Infinity })))
    for (const entry of apps) for (let i = 0; i < n; i++) await entry.app.inject('/err')
    for (let turn = 0; turn < turns; turn++) {
      for (const entry of apps) {
        const start = process.cpuUsage()
        for (let i = 0; i < n; i++) await entry.app.inject('/err')
        const used = process.cpuUsage(start)
        entry.best = Math.min(entry.best, (used.user + used.system) / n)
      }
    }
    const floor = apps[0]?.best ?? 0
    for (const { name, app, best } of apps) {
      console.log(`${name.padEnd(40)} ${best.toFixed(2).padStart(8)} µs CPU  ${name === apps[0]?.name ? '(floor)' : `+${(best - floor).toFixed(2)} µs over the floor`}`)
      await app.close()
    }
  }
  console.log('\nA thrown 404 through Fastify (inject), logging off')
  await perRequest(['throw-trivial', 'flat-telemetry-off', 'flat'], false)
  console.log('\nThe same, pino at info to /dev/null (a file destination, as production logs)')
  await perRequest(['throw-trivial', 'flat-telemetry-off', 'flat', 'flat-completion-log'], '/dev/null')
  // Last: the SDK registers global providers, which would reach the contenders above.
  console.log('\nWith an OpenTelemetry SDK and @fastify/otel, logging off: the plugin\'s telemetry on and off')
  await perRequest(['flat-otel-sdk-telemetry-off', 'flat-otel-sdk'], false)
}
