// new ApiError('') or a code of blanks was answered with that blank code in the body (d84a46c).
import t from 'tap'
import { ApiError, presets } from '../../src/index.js'
import { build, logCapture } from '../helper.js'
import { codeOf, presetNames, target } from '../helpers/presets.js'

t.test('a blank ApiError code is a programming error, never a blank code in the body', async t => {
  for (const preset of presetNames) {
    const { stream, lines } = logCapture()
    const app = await build(t, { plugin: { preset }, server: { logger: { level: 'info', stream } } })
    app.get('/empty', async () => { throw new ApiError('') })
    app.get('/blank', async () => { throw new ApiError('   ') })
    app.get('/blank-404', async () => { throw new ApiError(' \t', { status: 404 }) })
    app.get('/not-a-string', async () => { throw new ApiError(undefined as unknown as string, { status: 409 }) })
    const internal = target(preset, 'internal')
    for (const url of ['/empty', '/blank']) {
      const res = await app.inject(url)
      t.equal(res.statusCode, internal.status, `${preset} ${url}: the internal error`)
      t.equal(codeOf(res.json()), internal.code)
    }
    const res404 = await app.inject('/blank-404')
    t.equal(res404.statusCode, 404, `${preset}: a given status is kept`)
    const generic = (presets[preset].statusCodes as Record<number, string>)[404] ?? target(preset, 'notFound').code
    t.equal(codeOf(res404.json()), generic, `${preset}: with the status's generic code`)
    const res409 = await app.inject('/not-a-string')
    t.equal(res409.statusCode, 409)
    t.match(codeOf(res409.json()), /\S/, `${preset}: a non-string code answers a real code`)
    const bugLines = lines.filter(l => l.level === 50 && /blank|not a string/i.test(l.msg))
    t.equal(bugLines.length, 4, `${preset}: each is logged at error level as a programming error`)
  }
})
