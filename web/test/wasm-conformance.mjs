// The conformance vectors through the WASM build, compared vector by vector with the native build
// (`dwp conformance --json`): the browser runs the same verifier as the command line.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { initSync, runVector } from '../build/pkg/dwp_verifier.js';

const root = path.resolve(import.meta.dirname, '../..');
const dwp = process.env.DWP_BIN || path.join(root, 'target/debug/dwp');
const dir = path.join(root, 'wallet-spec/vectors');
initSync({ module: fs.readFileSync(path.join(root, 'web/build/pkg/dwp_verifier_bg.wasm')) });

const native = new Map(
  execFileSync(dwp, ['conformance', '--json', dir], { encoding: 'utf8' })
    .trim().split('\n').map((l) => JSON.parse(l)).map((r) => [r.id, r.actual]),
);
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'index.json').sort();
assert.ok(files.length >= 35, `vectors found: ${files.length}`);
let same = 0;
for (const f of files) {
  const text = fs.readFileSync(path.join(dir, f), 'utf8');
  const doc = JSON.parse(text);
  const wasm = JSON.parse(runVector(text));
  assert.deepEqual(wasm, native.get(doc.id), `${doc.id}: WASM and native differ`);
  assert.deepEqual(wasm, doc.expected, `${doc.id}: not the expected outcome`);
  same += 1;
}
console.log(`WASM conformance: ${same} of ${files.length} vectors give the native outcome`);
