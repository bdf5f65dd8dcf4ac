// The default key was the raw address: each IPv6 address of a client's /64 counted alone, and an IPv4-mapped address apart from its IPv4 (1f6fc8f).
import t from 'tap'
import { limited, minute } from '../helpers/rate-limit.js'

t.test('IPv6 clients are counted per /64, as @fastify/rate-limit does; IPv4-mapped addresses count as their IPv4', async t => {
  const app = await limited(t, { plugin: { rateLimit: { max: 2, timeWindow: minute } } })
  const from = async (remoteAddress: string): Promise<number> => (await app.inject({ url: '/ok', remoteAddress })).statusCode
  t.equal(await from('2001:db8:1:2::1'), 200)
  t.equal(await from('2001:db8:1:2:aaaa:bbbb:cccc:dddd'), 200)
  t.equal(await from('2001:db8:1:2:ffff::3'), 429, 'a third address in the same /64 is over the limit')
  t.equal(await from('2001:db8:1:3::1'), 200, 'the next /64 counts apart')

  t.equal(await from('10.0.0.7'), 200)
  t.equal(await from('::ffff:10.0.0.7'), 200, 'IPv4-mapped: the same client')
  t.equal(await from('10.0.0.7'), 429, 'over the limit whichever way it came')
  t.equal(await from('10.0.0.8'), 200, 'other IPv4 addresses count apart')

  const quota = await limited(t, { plugin: { rateLimit: { max: 100, timeWindow: minute, quota: { max: 1, timeWindow: '1 day' } } } })
  t.equal((await quota.inject({ url: '/ok', remoteAddress: '2001:db8:9::1' })).statusCode, 200)
  t.equal((await quota.inject({ url: '/ok', remoteAddress: '2001:db8:9::2' })).statusCode, 429, 'the quota tier groups by /64 too')
})
