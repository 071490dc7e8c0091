// Builds the verifier page into web/dist from source: dwp-verifier to wasm32 (feature `wasm`),
// wasm-bindgen's JS glue, the page bundled by esbuild with the QR reader, and the reader's own
// WebAssembly served locally. Prints the sizes. Nothing built is committed.
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
fs.copyFileSync(path.join(web, 'node_modules/zxing-wasm/dist/reader/zxing_reader.wasm'), path.join(dist, 'vendor/zxing_reader.wasm'));
for (const f of ['index.html', 'style.css', 'manifest.webmanifest']) fs.copyFileSync(path.join(web, 'src', f), path.join(dist, f));
const hash = createHash('sha256');
for (const f of ['app.js', 'index.html', 'style.css', 'pkg/dwp_verifier_bg.wasm', 'vendor/zxing_reader.wasm']) hash.update(fs.readFileSync(path.join(dist, f)));
const buildId = hash.digest('hex').slice(0, 12);
fs.writeFileSync(path.join(dist, 'sw.js'), fs.readFileSync(path.join(web, 'src/sw.js'), 'utf8').replace('__BUILD__', buildId));

const wasm = fs.readFileSync(path.join(dist, 'pkg/dwp_verifier_bg.wasm'));
const sizes = {
  build: buildId,
  verifierWasmBytes: wasm.length,
  verifierWasmGzipBytes: gzipSync(wasm, { level: 9 }).length,
  appJsBytes: fs.statSync(path.join(dist, 'app.js')).size,
  qrReaderWasmBytes: fs.statSync(path.join(dist, 'vendor/zxing_reader.wasm')).size,
};
fs.writeFileSync(path.join(dist, 'build.json'), JSON.stringify(sizes, null, 2));
console.log(`verifier page built in web/dist (${buildId})`);
console.log(`  dwp-verifier WASM: ${sizes.verifierWasmBytes} bytes, ${sizes.verifierWasmGzipBytes} gzip`);
console.log(`  app.js: ${sizes.appJsBytes} bytes; QR reader WASM: ${sizes.qrReaderWasmBytes} bytes`);
if (sizes.verifierWasmBytes > 1024 * 1024) {
  console.error('error: the verifier WASM is larger than 1 MB');
  process.exit(1);
}
