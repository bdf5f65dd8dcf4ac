// A response header Node refuses to write (here a value outside Latin-1) made writeHead throw inside the error path: the request was never answered (ee614d1).
import t from 'tap'
import { ApiError } from '../../src/index.js'
import { build } from '../helper.js'
import { listen, openConnections, rawGet } from '../helpers/raw-http.js'

t.test('a route that set a non-Latin-1 header is answered with the envelope, without that header, and its socket is closed', async t => {
  const app = await build(t)
  const euro = 'attachment; filename="€.pdf"'
  app.get('/download', async (_request, reply) => {
    reply.header('content-disposition', euro)
    return 'pdf'
  })
  app.get('/missing', async (_request, reply) => {
    reply.header('content-disposition', euro)
    throw new ApiError('JOB_NOT_FOUND')
  })
  const port = await listen(t, app)
  for (const [path, status, code] of [['/download', 500, 'SYSTEM_INTERNAL_ERROR'], ['/missing', 404, 'JOB_NOT_FOUND']] as const) {
    const answer = await rawGet(port, path)
    t.equal(answer.status, status, `${path}: answered`)
    t.equal(answer.headers['content-disposition'], undefined, `${path}: the refused header is not sent`)
    t.equal(JSON.parse(answer.body).error_code, code, `${path}: the envelope`)
  }
  t.equal(await openConnections(app), 0, 'no socket is left open')
})
