// A 5xx ApiError whose code no catalog knows answered its own message, which for a 5xx is internal (85aec3f).
import t from 'tap'
import { ApiError } from '../../src/index.js'
import { build } from '../helper.js'
import { codeOf, presetNames } from '../helpers/presets.js'

t.test('a 5xx ApiError of a code no catalog knows keeps its status and code, never its message', async t => {
  for (const preset of presetNames) {
    const app = await build(t, { plugin: { preset } })
    app.get('/', async () => { throw new ApiError('CUSTOM_DOWN', { status: 503, message: 'SECRET-db-at-10.0.0.3' }) })
    const res = await app.inject('/')
    t.equal(res.statusCode, 503, `${preset}: its status`)
    t.equal(codeOf(res.json()), 'CUSTOM_DOWN', `${preset}: its code`)
    t.notMatch(res.body, /SECRET|10\.0\.0\.3/, `${preset}: not its message`)
  }
})
