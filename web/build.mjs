// Builds the verifier page into web/dist, the wallet into web/dist/wallet, the console into
// web/dist/console and the tracking page into web/dist/track from source:
// dwp-verifier to wasm32 (feature `wasm`), wasm-bindgen's JS glue, each page bundled by esbuild, the
// QR reader's own WebAssembly and the Thai, Myanmar, Lao and Khmer fonts served locally (only the
// woff2 of each script, regular weight). Prints the sizes (and writes them in build.json). Nothing
// built is committed.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const web = import.meta.dirname;
const root = path.resolve(web, '..');
const dist = path.join(web, 'dist');
const run = (cmd, args, env = {}) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });

// Small over fast for the download (a phone on a slow link): opt-level "s", one codegen unit, LTO.
const small = { CARGO_PROFILE_RELEASE_OPT_LEVEL: 's', CARGO_PROFILE_RELEASE_LTO: 'true', CARGO_PROFILE_RELEASE_CODEGEN_UNITS: '1' };
run('cargo', ['rustc', '-p', 'dwp-verifier', '--release', '--locked', '--target', 'wasm32-unknown-unknown',
  '--features', 'wasm', '--crate-type', 'cdylib'], small);
const wasmIn = path.join(root, 'target/wasm32-unknown-unknown/release/dwp_verifier.wasm');
run('wasm-bindgen', ['--target', 'web', '--out-dir', path.join(web, 'build/pkg'), wasmIn]);

fs.rmSync(dist, { recursive: true, force: true });
fs.mkdirSync(path.join(dist, 'pkg'), { recursive: true });
fs.mkdirSync(path.join(dist, 'vendor'), { recursive: true });
await build({
  entryPoints: [path.join(web, 'src/app.js')],
  bundle: true,
  format: 'esm',
  minify: true,
  target: ['chrome100'],
  outfile: path.join(dist, 'app.js'),
  logLevel: 'warning',
});
fs.copyFileSync(path.join(web, 'build/pkg/dwp_verifier_bg.wasm'), path.join(dist, 'pkg/dwp_verifier_bg.wasm'));
const fonts = writeFonts(dist);
fs.copyFileSync(path.join(web, 'node_modules/zxing-wasm/dist/reader/zxing_reader.wasm'), path.join(dist, 'vendor/zxing_reader.wasm'));
for (const f of ['index.html', 'style.css', 'manifest.webmanifest']) fs.copyFileSync(path.join(web, 'src', f), path.join(dist, f));
const hash = createHash('sha256');
for (const f of ['app.js', 'index.html', 'style.css', 'pkg/dwp_verifier_bg.wasm', 'vendor/zxing_reader.wasm', ...fonts.files]) hash.update(fs.readFileSync(path.join(dist, f)));
const buildId = hash.digest('hex').slice(0, 12);
fs.writeFileSync(path.join(dist, 'sw.js'), fs.readFileSync(path.join(web, 'src/sw.js'), 'utf8')
  .replace('__BUILD__', buildId).replace('__FONTS__', JSON.stringify(fonts.files)));
const wallet = await buildWallet(path.join(dist, 'wallet'));
const consolePage = await buildPage('console');
const track = await buildPage('track');

const wasm = fs.readFileSync(path.join(dist, 'pkg/dwp_verifier_bg.wasm'));
const sizes = {
  build: buildId,
  verifierWasmBytes: wasm.length,
  verifierWasmGzipBytes: gzipSync(wasm, { level: 9 }).length,
  appJsBytes: fs.statSync(path.join(dist, 'app.js')).size,
  qrReaderWasmBytes: fs.statSync(path.join(dist, 'vendor/zxing_reader.wasm')).size,
  fontBytes: fonts.bytes,
  fontTotalBytes: Object.values(fonts.bytes).reduce((a, b) => a + b, 0),
  wallet,
  console: consolePage,
  track,
};
fs.writeFileSync(path.join(dist, 'build.json'), JSON.stringify(sizes, null, 2));
console.log(`verifier page built in web/dist (${buildId})`);
console.log(`  dwp-verifier WASM: ${sizes.verifierWasmBytes} bytes, ${sizes.verifierWasmGzipBytes} gzip`);
console.log(`  app.js: ${sizes.appJsBytes} bytes; QR reader WASM: ${sizes.qrReaderWasmBytes} bytes`);
console.log(`  fonts: ${Object.entries(fonts.bytes).map(([f, n]) => `${f} ${n}`).join(', ')} (${sizes.fontTotalBytes} bytes)`);
console.log(`wallet built in web/dist/wallet (${wallet.build}): wallet.js ${wallet.walletJsBytes} bytes, offline download ${wallet.offlineBytes} bytes`);
for (const [name, p] of [['console', consolePage], ['track', track]]) {
  console.log(`${name} page built in web/dist/${name}: ${name}.js ${p.jsBytes} bytes (${p.jsGzipBytes} gzip), page ${p.pageBytes} bytes without fonts, ${p.lazyJsBytes} bytes loaded when needed`);
}
if (sizes.verifierWasmBytes > 1024 * 1024) {
  console.error('error: the verifier WASM is larger than 1 MB');
  process.exit(1);
}

// The self-hosted fonts: for each script, the regular woff2 of its own subset from @fontsource, with
// the subset's unicode-range (so a page in English loads none of them). Returns the files written.
function writeFonts(out) {
  const scripts = [['Noto Sans Thai', 'thai'], ['Noto Sans Myanmar', 'myanmar'], ['Noto Sans Lao', 'lao'], ['Noto Sans Khmer', 'khmer']];
  fs.mkdirSync(path.join(out, 'fonts'), { recursive: true });
  const faces = [];
  const files = ['fonts.css'];
  const bytes = {};
  for (const [family, script] of scripts) {
    const pkg = `noto-sans-${script}`;
    const name = `${pkg}-${script}-400-normal`;
    const css = fs.readFileSync(path.join(web, 'node_modules/@fontsource', pkg, '400.css'), 'utf8');
    const block = css.split('@font-face').find((b) => b.includes(`${name}.woff2`));
    const range = block?.match(/unicode-range:\s*([^;]+);/)?.[1];
    if (!range) throw new Error(`@fontsource/${pkg}: no ${script} subset in 400.css`);
    const file = `fonts/${name}.woff2`;
    fs.copyFileSync(path.join(web, 'node_modules/@fontsource', pkg, 'files', `${name}.woff2`), path.join(out, file));
    faces.push(`@font-face { font-family: '${family}'; font-style: normal; font-weight: 400; font-display: swap; src: url(${file}) format('woff2'); unicode-range: ${range}; }`);
    files.push(file);
    bytes[file] = fs.statSync(path.join(out, file)).size;
  }
  fs.writeFileSync(path.join(out, 'fonts.css'), `/* Noto Sans (SIL Open Font License 1.1), from @fontsource */\n${faces.join('\n')}\n`);
  return { files, bytes };
}

// The wallet page: its own bundle (the camera's QR reader split out, loaded only to scan an offer),
// the verifier's WebAssembly, the fonts, and a service worker that keeps all but the reader.
async function buildWallet(out) {
  fs.mkdirSync(path.join(out, 'pkg'), { recursive: true });
  fs.mkdirSync(path.join(out, 'vendor'), { recursive: true });
  const result = await build({
    entryPoints: [path.join(web, 'wallet/wallet.js')],
    bundle: true,
    splitting: true,
    format: 'esm',
    minify: true,
    target: ['chrome100', 'safari16'],
    outdir: out,
    chunkNames: 'chunks/[name]-[hash]',
    metafile: true,
    logLevel: 'warning',
  });
  fs.copyFileSync(path.join(web, 'build/pkg/dwp_verifier_bg.wasm'), path.join(out, 'pkg/dwp_verifier_bg.wasm'));
  fs.copyFileSync(path.join(web, 'node_modules/zxing-wasm/dist/reader/zxing_reader.wasm'), path.join(out, 'vendor/zxing_reader.wasm'));
  for (const f of ['index.html', 'style.css', 'manifest.webmanifest']) fs.copyFileSync(path.join(web, 'wallet', f), path.join(out, f));
  const fonts = writeFonts(out);
  // Offline: the page, its statically imported chunks, the WebAssembly and the fonts; not the scanner.
  const outputs = result.metafile.outputs;
  const rel = (p) => path.relative(out, path.resolve(root, p)).split(path.sep).join('/');
  const entry = Object.keys(outputs).find((p) => outputs[p].entryPoint?.endsWith('wallet/wallet.js'));
  const statics = outputs[entry].imports.filter((i) => i.kind === 'import-statement').map((i) => rel(i.path));
  const files = ['./', 'index.html', 'style.css', 'manifest.webmanifest', rel(entry), ...statics, 'pkg/dwp_verifier_bg.wasm', ...fonts.files];
  const hash = createHash('sha256');
  for (const f of files.slice(1)) hash.update(fs.readFileSync(path.join(out, f)));
  const id = hash.digest('hex').slice(0, 12);
  fs.writeFileSync(path.join(out, 'sw.js'), fs.readFileSync(path.join(web, 'wallet/sw.js'), 'utf8')
    .replace('__BUILD__', id).replace('__FILES__', JSON.stringify(files)));
  const size = (f) => fs.statSync(path.join(out, f)).size;
  const scanner = Object.keys(outputs).map(rel).filter((f) => f.endsWith('.js') && !files.includes(f));
  return {
    build: id,
    walletJsBytes: size(rel(entry)) + statics.reduce((n, f) => n + size(f), 0),
    scannerJsBytes: scanner.reduce((n, f) => n + size(f), 0),
    offlineFiles: files,
    offlineBytes: files.slice(1).reduce((n, f) => n + size(f), 0),
  };
}

// A page of plain files and one esbuild bundle (web/<name>/<name>.js, with its dynamic imports split
// into chunks loaded when needed), no service worker: the console (registrars, officers, employers)
// and the public tracking page. Each carries the fonts.
async function buildPage(name) {
  const out = path.join(dist, name);
  fs.mkdirSync(out, { recursive: true });
  const result = await build({
    entryPoints: [path.join(web, name, `${name}.js`)],
    bundle: true,
    splitting: true,
    format: 'esm',
    minify: true,
    target: ['chrome100', 'safari16'],
    outdir: out,
    chunkNames: 'chunks/[name]-[hash]',
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = result.metafile.outputs;
  const chunks = Object.keys(outputs).filter((f) => f.endsWith('.js') && !outputs[f].entryPoint?.endsWith(`${name}/${name}.js`));
  for (const f of ['index.html', 'style.css']) fs.copyFileSync(path.join(web, name, f), path.join(out, f));
  const fonts = writeFonts(out);
  const size = (f) => fs.statSync(path.join(out, f)).size;
  const js = fs.readFileSync(path.join(out, `${name}.js`));
  return {
    jsBytes: js.length,
    jsGzipBytes: gzipSync(js, { level: 9 }).length,
    htmlBytes: size('index.html'),
    cssBytes: size('style.css'),
    lazyJsBytes: chunks.reduce((n, f) => n + fs.statSync(path.resolve(root, f)).size, 0),
    pageBytes: js.length + size('index.html') + size('style.css') + size('fonts.css'),
    fontBytes: Object.values(fonts.bytes).reduce((a, b) => a + b, 0),
  };
}
