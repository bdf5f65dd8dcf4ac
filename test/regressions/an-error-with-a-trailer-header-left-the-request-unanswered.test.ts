// An error carrying a Trailer (or Upgrade, Keep-Alive) header had it set on the response, and Node then never finished the answer: the request hung (85aec3f).
import t from 'tap'
import { ApiError } from '../../src/index.js'
import { build } from '../helper.js'
import { listen, rawGet } from '../helpers/raw-http.js'
import { codeOf, presetNames } from '../helpers/presets.js'

t.test('an error with a Trailer, Upgrade or Keep-Alive header is answered, without that header, on every preset', async t => {
  const headers = { Trailer: 'x-checksum', Upgrade: 'websocket', 'Keep-Alive': 'timeout=5' }
  for (const preset of presetNames) {
    const app = await build(t, { plugin: { preset } })
    for (const [name, value] of Object.entries(headers)) {
      app.get(`/api-error/${name}`, async () => { throw new ApiError('CUSTOM', { status: 409, headers: { [name]: value } }) })
      app.get(`/foreign/${name}`, async () => { throw Object.assign(new Error('bad'), { statusCode: 400, headers: { [name.toLowerCase()]: value } }) })
    }
    const port = await listen(t, app)
    for (const name of Object.keys(headers)) {
      const api = await rawGet(port, `/api-error/${name}`)
      t.equal(api.status, 409, `${preset}, ApiError with ${name}: answered`)
      t.equal(codeOf(JSON.parse(api.body)), 'CUSTOM', `${preset}, ApiError with ${name}: its code`)
      t.equal(api.headers[name.toLowerCase()], undefined, `${preset}, ApiError with ${name}: the header is not sent`)
      const foreign = await rawGet(port, `/foreign/${name}`)
      t.equal(foreign.status, 400, `${preset}, an Error with statusCode 400 and ${name}: answered`)
      t.equal(foreign.headers[name.toLowerCase()], undefined, `${preset}, an Error with ${name}: the header is not sent`)
    }
  }
})
