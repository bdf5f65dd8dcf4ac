import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import t from 'tap'

const root = fileURLToPath(new URL('..', import.meta.url))
// Children run without tap coverage: their source maps (dist → src, tsx → src) would blur the report.
// tap's process tracking still loads in children; '0' turns its coverage off there.
const env = { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0' }
const node = (args: string[]): string => execFileSync(process.execPath, args, { cwd: root, env, encoding: 'utf8' })

t.test('npm run build makes a package that imports by name from ESM and CommonJS', async t => {
  execFileSync(process.execPath, [fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url)), '-p', 'tsconfig.build.json'], { cwd: root })

  const esm = node(['--input-type=module', '-e', `
    import Fastify from 'fastify'
    import errorEnvelope, { ApiError, defineErrors, presets, requestIdOptions, clientErrorHandler } from 'fastify-error-envelope'
    const app = Fastify({ ...requestIdOptions({ generate: () => 'req-1' }), clientErrorHandler })
    await app.register(errorEnvelope)
    app.get('/', async () => { throw new ApiError('JOB_EXPIRED') })
    const res = await app.inject('/')
    console.log(JSON.stringify({ status: res.statusCode, body: res.json(), define: typeof defineErrors, codes: presets.aitbc.codes.length }))
  `])
  t.same(JSON.parse(esm), {
    status: 410,
    body: { detail: 'Job deadline passed', error_code: 'JOB_EXPIRED', request_id: 'req-1' },
    define: 'function',
    codes: 31
  })

  const cjs = node(['-e', `
    const m = require('fastify-error-envelope')
    console.log([typeof m.default, typeof m.ApiError, typeof m.clientErrorHandler].join(','))
  `])
  t.equal(cjs.trim(), 'function,function,function')
})
