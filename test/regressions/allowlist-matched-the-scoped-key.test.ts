// allowList was handed the key the store sees (scoped by route and tier), never the user's own key: a listed address was limited all the same (38f0397).
import t from 'tap'
import { limited, minute } from '../helpers/rate-limit.js'

t.test('allowList: a listed key is never limited', async t => {
  const app = await limited(t, { plugin: { rateLimit: { max: 1, timeWindow: minute, allowList: ['127.0.0.1'] } } })
  for (let i = 0; i < 3; i++) t.equal((await app.inject('/ok')).statusCode, 200, `request ${i + 1} from 127.0.0.1`)
  const other = await app.inject({ url: '/ok', remoteAddress: '10.0.0.7' })
  const otherAgain = await app.inject({ url: '/ok', remoteAddress: '10.0.0.7' })
  t.equal(other.statusCode, 200)
  t.equal(otherAgain.statusCode, 429, 'an address not on the list is limited')
})
