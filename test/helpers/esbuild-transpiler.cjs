'use strict'
// The test run's TypeScript transpiler (tsconfig.json, "ts-node".transpiler): esbuild in place of
// TypeScript's own transpileModule, with what it makes kept on disk, so that of a hundred test
// processes only the first transpiles src/ and the helpers; the others read it back. Type checking
// is `tsc --noEmit`'s job in `npm test`, not the loader's. esbuild drops comments: coverage reads
// its `c8 ignore` hints from the original source, through the source map.
const { createHash } = require('node:crypto')
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs')
const { join } = require('node:path')

const options = { format: 'esm', target: 'es2022', sourcemap: 'external', keepNames: true }
const cacheDir = join(__dirname, '..', '..', 'node_modules', '.cache', 'fastify-error-envelope-tests')
let esbuild

exports.create = function create () {
  const version = require('esbuild/package.json').version
  return {
    transpile (input, { fileName }) {
      const key = createHash('sha256').update(JSON.stringify([version, options, fileName, input])).digest('hex')
      const file = join(cacheDir, key + '.json')
      try {
        return JSON.parse(readFileSync(file, 'utf8'))
      } catch {}
      esbuild ??= require('esbuild')
      const loader = fileName.endsWith('.tsx') ? 'tsx' : 'ts'
      const { code, map } = esbuild.transformSync(input, { ...options, loader, sourcefile: fileName })
      const output = { outputText: code, sourceMapText: map }
      try {
        mkdirSync(cacheDir, { recursive: true })
        // Written aside and renamed: a test process running beside this one reads a whole file or none.
        const aside = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`
        writeFileSync(aside, JSON.stringify(output))
        renameSync(aside, file)
      } catch {}
      return output
    }
  }
}
