// Any error with a 4xx statusCode answered its own message: a database error thrown with statusCode 404 showed its row and table (d84a46c).
import t from 'tap'
import { build } from '../helper.js'
import { catalogMessage, codeOf, messageOf, presetNames } from '../helpers/presets.js'

t.test('an Error with a 4xx statusCode keeps the status and answers the catalog message of its code', async t => {
  for (const preset of presetNames) {
    const app = await build(t, { plugin: { preset } })
    app.get('/', async () => { throw Object.assign(new Error('SECRET-row 42 of table users'), { statusCode: 404 }) })
    const res = await app.inject('/')
    const body = res.json()
    t.equal(res.statusCode, 404, `${preset}: its status`)
    t.notMatch(res.body, /SECRET|table users/, `${preset}: not its message`)
    if (preset !== 'problem') t.equal(messageOf(body), catalogMessage(preset, codeOf(body) as string), `${preset}: the catalog's message`)
  }
})
