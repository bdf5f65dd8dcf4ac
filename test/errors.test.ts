import t from 'tap'
import { ApiError, defineErrors, isApiError } from '../src/index.js'
import { build } from './helper.js'

t.test('new ApiError(code) takes status and message from the active catalog', async t => {
  const app = await build()
  app.get('/', async () => { throw new ApiError('JOB_EXPIRED') })
  const res = await app.inject('/')
  t.equal(res.statusCode, 410)
  t.equal(res.json().detail, 'Job deadline passed')
})
