// Builds Safehub's browser bundle into ../internal/web/static/dist, which the
// Go package internal/web/static embeds:
//
//   app-[hash].js            src/app.js: htmx + GOV.UK Frontend JS
//   app-[hash].css           src/app.css: GOV.UK Frontend CSS + src/safehub.css
//   assets/[name]-[hash].*   fonts and images, from the CSS and from GOV.UK
//                            Frontend's dist/govuk/assets
//   assets/manifest-[hash].webmanifest   web app manifest with hashed icons
//   manifest.json            logical name -> path relative to dist
//
// Run with `node build.mjs` from this directory (the Makefile does). The build
// is deterministic: the same sources and lock file give byte-identical output.

import * as esbuild from 'esbuild'
import { createHash } from 'node:crypto'
import { readdir, readFile, rm, mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const outdir = path.resolve(here, '../internal/web/static/dist')
const govukAssets = path.join(here, 'node_modules/govuk-frontend/dist/govuk/assets')

// GDS Transport is licensed for exclusive use on gov.uk ("The font has been
// customised for exclusive use on gov.uk", says its copyright notice in the
// CSS). Set this to false for deployments that are not on gov.uk: the
// @font-face rules and the font files are dropped and text falls back to
// arial, sans-serif (GOV.UK Frontend's own fallback).
const useGDSTransport = false

// Files in dist that the build never removes (committed to git so that
// `//go:embed all:dist` compiles in a fresh clone).
const keep = new Set(['.gitkeep'])

await clean(outdir)

const result = await esbuild.build({
  absWorkingDir: here,
  entryPoints: ['src/app.js', 'src/app.css'],
  outdir,
  bundle: true,
  format: 'esm',
  target: 'es2019',
  minify: true,
  sourcemap: false,
  legalComments: 'eof',
  charset: 'utf8',
  entryNames: '[name]-[hash]',
  assetNames: 'assets/[name]-[hash]',
  loader: {
    '.woff2': 'file',
    '.woff': 'file',
    '.png': 'file',
    '.svg': 'file',
    '.ico': 'file'
  },
  metafile: true,
  logLevel: 'warning',
  plugins: [govukAssetsPlugin()]
})

const manifest = {}

// Entry points and the files esbuild emitted for url()s in the CSS.
const emittedFrom = new Map() // source path (relative to here) -> output path (relative to dist)
for (const [out, info] of Object.entries(result.metafile.outputs)) {
  const rel = toSlash(path.relative(outdir, path.resolve(here, out)))
  if (info.entryPoint) {
    add(manifest, path.basename(info.entryPoint), rel)
    continue
  }
  const inputs = Object.keys(info.inputs)
  if (inputs.length !== 1) {
    throw new Error(`build: asset ${rel} has ${inputs.length} inputs, want 1`)
  }
  add(manifest, path.basename(inputs[0]), rel)
  emittedFrom.set(path.resolve(here, inputs[0]), rel)
}

// The rest of GOV.UK Frontend's assets: favicons, touch and manifest icons,
// the crest and the Open Graph image. Files already emitted for the CSS keep
// esbuild's name; the others are copied with a content hash in their name.
for (const dir of ['images', 'fonts']) {
  if (dir === 'fonts' && !useGDSTransport) {
    continue
  }
  const names = (await readdir(path.join(govukAssets, dir))).sort()
  for (const name of names) {
    const src = path.join(govukAssets, dir, name)
    if (emittedFrom.has(src)) {
      continue
    }
    const data = await readFile(src)
    const rel = `assets/${hashedName(name, data)}`
    await emit(rel, data)
    add(manifest, name, rel)
  }
}

// GOV.UK's web app manifest lists icons relative to itself; point them at the
// hashed icon files, which sit beside it in assets/.
{
  const webManifest = JSON.parse(await readFile(path.join(govukAssets, 'manifest.json'), 'utf8'))
  for (const icon of webManifest.icons) {
    const rel = manifest[path.basename(icon.src)]
    if (!rel) {
      throw new Error(`build: web manifest icon ${icon.src} was not emitted`)
    }
    icon.src = path.posix.relative('assets', rel)
  }
  const data = Buffer.from(JSON.stringify(webManifest, null, 2) + '\n')
  const rel = `assets/${hashedName('manifest.webmanifest', data)}`
  await emit(rel, data)
  add(manifest, 'manifest.webmanifest', rel)
}

const sorted = Object.fromEntries(Object.entries(manifest).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
await writeFile(path.join(outdir, 'manifest.json'), JSON.stringify(sorted, null, 2) + '\n')

for (const [name, rel] of Object.entries(sorted)) {
  console.log(`${name.padEnd(28)} ${rel}`)
}

// govukAssetsPlugin resolves the root-relative url()s in GOV.UK Frontend's
// precompiled CSS (/assets/fonts/…, /assets/images/…) to the package's files,
// so esbuild emits them with hashed names and rewrites the url()s to match.
function govukAssetsPlugin () {
  return {
    name: 'govuk-assets',
    setup (build) {
      build.onResolve({ filter: /^\/assets\// }, (args) => {
        if (args.kind !== 'url-token') {
          return undefined
        }
        return { path: path.join(govukAssets, args.path.slice('/assets/'.length)) }
      })
      build.onLoad({ filter: /govuk-frontend\.min\.css$/ }, async (args) => {
        let css = removeIEOnlyMedia(await readFile(args.path, 'utf8'))
        if (!useGDSTransport) {
          css = css
            .replace(/\/\*![^*]*gov\.uk[^*]*\*\//g, '')
            .replace(/@font-face\{[^}]*\}/g, '')
            .replace(/font-family:GDS Transport,/g, 'font-family:')
          if (css.includes('GDS Transport')) {
            throw new Error('build: GDS Transport still referenced after removal')
          }
        }
        return { contents: css, loader: 'css' }
      })
    }
  }
}

// removeIEOnlyMedia drops the `@media screen\0 …{…}` blocks from GOV.UK
// Frontend's CSS. They are an Internet Explorer hack that no other browser
// applies, and esbuild warns that they are not valid CSS.
function removeIEOnlyMedia (css) {
  const marker = '@media screen\\0'
  let out = ''
  let i = 0
  for (;;) {
    const start = css.indexOf(marker, i)
    if (start < 0) {
      return out + css.slice(i)
    }
    out += css.slice(i, start)
    let j = css.indexOf('{', start)
    if (j < 0) {
      throw new Error('build: no block after @media screen\\0 in GOV.UK Frontend CSS')
    }
    let depth = 0
    for (; j < css.length; j++) {
      if (css[j] === '{') {
        depth++
      } else if (css[j] === '}' && --depth === 0) {
        break
      }
    }
    if (depth !== 0) {
      throw new Error('build: unbalanced braces after @media screen\\0 in GOV.UK Frontend CSS')
    }
    i = j + 1
  }
}

// clean removes everything in dir except the files in keep.
async function clean (dir) {
  await mkdir(dir, { recursive: true })
  for (const entry of await readdir(dir)) {
    if (!keep.has(entry)) {
      await rm(path.join(dir, entry), { recursive: true, force: true })
    }
  }
}

async function emit (rel, data) {
  const file = path.join(outdir, rel)
  await mkdir(path.dirname(file), { recursive: true })
  await writeFile(file, data)
}

// add records a logical name, refusing two different files under one name.
function add (m, name, rel) {
  if (m[name] && m[name] !== rel) {
    throw new Error(`build: logical name ${name} maps to both ${m[name]} and ${rel}`)
  }
  m[name] = rel
}

// hashedName turns "favicon.ico" into "favicon-ABCD2345.ico", the hash being
// the first 40 bits of the content's SHA-256 in base32 (esbuild's style).
function hashedName (name, data) {
  const ext = path.extname(name)
  const base = name.slice(0, name.length - ext.length)
  return `${base}-${base32(createHash('sha256').update(data).digest().subarray(0, 5))}${ext}`
}

function base32 (bytes) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let bits = 0
  let value = 0
  let out = ''
  for (const b of bytes) {
    value = ((value << 8) | b) & 0xfffff
    bits += 8
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) {
    out += alphabet[(value << (5 - bits)) & 31]
  }
  return out
}

function toSlash (p) {
  return p.split(path.sep).join('/')
}
