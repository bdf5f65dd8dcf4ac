// Every header an error carried was copied onto the answer: hop-by-hop ones (Connection, Transfer-Encoding, Keep-Alive) and an upstream's Set-Cookie too (d84a46c).
import t from 'tap'
import createHttpError from 'http-errors'
import { ApiError } from '../../src/index.js'
import { build } from '../helper.js'

t.test('an error\'s hop-by-hop, proxy and cookie headers are not sent; its Allow is', async t => {
  const headers = {
    'Transfer-Encoding': 'chunked',
    'Keep-Alive': 'timeout=99',
    'Proxy-Authenticate': 'Basic',
    TE: 'trailers',
    'Set-Cookie': 'session=SECRET',
    Allow: 'GET'
  }
  const app = await build(t)
  app.get('/api-error', async () => { throw new ApiError('JOB_NOT_FOUND', { headers }) })
  app.get('/http-errors', async () => { throw createHttpError(405, 'Not here', { headers }) })
  for (const url of ['/api-error', '/http-errors']) {
    const res = await app.inject(url)
    t.ok(res.statusCode === 404 || res.statusCode === 405, `${url}: the error's status`)
    for (const name of ['transfer-encoding', 'keep-alive', 'proxy-authenticate', 'te', 'set-cookie']) {
      t.equal(res.headers[name], undefined, `${url}: ${name} is not sent`)
    }
    t.equal(res.headers.allow, 'GET', `${url}: Allow is`)
    t.type(res.json().error_code, 'string', `${url}: the body is the envelope`)
  }
})
