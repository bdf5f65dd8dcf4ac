// The diff method (two request counts in one process; see bench/instructions.ts for batches over sockets). Instructions per request, independent of how busy the machine is: run one contender in-process
// with inject() under callgrind, for two request counts; the difference of the totals divided by the
// difference of the counts is the cost of one request (start-up and warm-up cancel out).
//   valgrind --tool=callgrind node --single-threaded --no-flush-bytecode --import tsx bench/instructions-diff.ts flat-validate 200
//   valgrind --tool=callgrind node --single-threaded --no-flush-bytecode --import tsx bench/instructions-diff.ts flat-validate 1200
import { buildContender, contenders, type Contender } from './server.js'

const name = process.argv[2] as Contender
const n = Number(process.argv[3] ?? 1000)
if (!(contenders as readonly string[]).includes(name)) throw new Error(`unknown contender ${name}`)
const app = await buildContender(name, false)
await app.ready()
const request = name.endsWith('validate') || name.endsWith('validate-stack')
  ? { method: 'POST' as const, url: '/validate', payload: '{}', headers: { 'content-type': 'application/json' } }
  : { method: 'GET' as const, url: name.endsWith('ok') ? '/ok' : '/err' }
for (let i = 0; i < n; i++) await app.inject(request)
await app.close()
