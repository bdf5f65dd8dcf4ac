// npm run size: what the browser entries weigh once bundled (esbuild, minified) and gzipped.
import { fileURLToPath, pathToFileURL } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

const root = fileURLToPath(new URL('..', import.meta.url))

/** The entries a browser bundle may import, by their package export. */
export const browserEntries = {
  'fastify-error-envelope/client': 'src/client.ts',
  'fastify-error-envelope/catalogs': 'src/catalogs.ts'
} as const

export interface BundleSize {
  /** The minified bundle. */
  code: string
  /** The source files it holds, relative to the package root. */
  inputs: string[]
  minified: number
  gzip: number
}

/** Bundles one entry for the browser, minified, as an application's bundler would. */
export async function bundle (entry: string): Promise<BundleSize> {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent'
  })
  const output = result.outputFiles[0]
  if (output === undefined) throw new Error(`esbuild wrote nothing for ${entry}`)
  return {
    code: output.text,
    inputs: Object.keys(result.metafile.inputs),
    minified: output.contents.byteLength,
    gzip: gzipSync(output.contents).byteLength
  }
}

/* c8 ignore start: the command line, run by `npm run size` */
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const [name, entry] of Object.entries(browserEntries)) {
    const { minified, gzip } = await bundle(entry)
    console.log(`${name}: ${minified.toLocaleString('en-US')} bytes minified, ${gzip.toLocaleString('en-US')} gzip`)
  }
}
/* c8 ignore stop */
