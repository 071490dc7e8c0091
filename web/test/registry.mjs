// A real registry for the page tests: `dwp serve` on a loopback port in a data directory of its own,
// started and read back the way an operator sees it (its URL and its bootstrap token on stdout).
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import assert from 'node:assert/strict';

// Starts `dwp` serve on `data`; resolves to { base, admin, server } once it listens.
export async function startRegistry(dwp, data, env = {}) {
  const server = spawn(dwp, ['serve', '--data', data, '--listen', '127.0.0.1:0', '--did', 'did:web:registry.test'], {
    env: { ...process.env, DATABASE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = setTimeout(() => { server.kill('SIGKILL'); console.error('error: the registry did not start in 60 s'); process.exit(1); }, 60_000);
  let base = null;
  let admin = null;
  for await (const line of readline.createInterface({ input: server.stdout })) {
    const m = line.match(/listening on (http:\/\/\S+)/);
    if (m) base = m[1];
    const t = line.match(/keep it safe\): (\S+)/);
    if (t) { admin = t[1]; break; }
  }
  clearTimeout(stop);
  assert.ok(base && admin, 'the registry started');
  return { base, admin, server };
}
