// A real registry for the page tests: `dwp serve` on a loopback port in a data directory of its own,
// started and read back the way an operator sees it (its URL and its bootstrap token on stdout).
import { spawn } from 'node:child_process';
import net from 'node:net';
import readline from 'node:readline';
import assert from 'node:assert/strict';

// A loopback port free now, for a registry whose public URL must be known before it starts.
export async function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

// Starts `dwp` serve on `data`; resolves to { base, admin, server } once it listens. `port` fixes the
// port (else any free one) and makes `http://127.0.0.1:port` the public URL, the OpenID4VCI credential
// issuer identifier, so that a wallet served by the registry reaches the endpoints its metadata names.
// `args` are more arguments of `dwp serve` (`--bank-url http://…`).
export async function startRegistry(dwp, data, env = {}, { port, args = [] } = {}) {
  const publicUrl = port ? { DWP_PUBLIC_URL: `http://127.0.0.1:${port}` } : {};
  const server = spawn(dwp, ['serve', '--data', data, '--listen', `127.0.0.1:${port ?? 0}`, '--did', 'did:web:registry.test', ...args], {
    env: { ...process.env, DATABASE_URL: '', ...publicUrl, ...env },
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

// A registry with `dwp bank-sim` as its bank: the bank's port is chosen first, the registry is told
// it (`--bank-url`), then the bank is started there with the registry's callback URL. Resolves to
// { base, admin, server, bank, pay } where `pay(qr)` pays a fee QR string as a customer of bank 014.
export async function startRegistryWithBank(dwp, data, env = {}) {
  const bankPort = await freePort();
  const registry = await startRegistry(dwp, data, env, { args: ['--bank-url', `http://127.0.0.1:${bankPort}`] });
  const bank = spawn(dwp, ['bank-sim', '--listen', `127.0.0.1:${bankPort}`, '--callback', `${registry.base}/v1/payments/bank-callback`], {
    env: process.env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = setTimeout(() => { bank.kill('SIGKILL'); console.error('error: the bank simulator did not start in 30 s'); process.exit(1); }, 30_000);
  const lines = readline.createInterface({ input: bank.stdout });
  let bankBase = null;
  for await (const line of lines) {
    const m = line.match(/listening on (http:\/\/\S+)/);
    if (m) { bankBase = m[1]; break; }
  }
  clearTimeout(stop);
  assert.ok(bankBase, 'the bank simulator started');
  // Drain the rest, so that the simulator never writes to a full pipe.
  lines.on('line', () => {});
  const pay = async (qr) => {
    const resp = await fetch(`${bankBase}/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ qr, payerBank: '014' }) });
    assert.equal(resp.status, 200, `the bank paid: ${await resp.clone().text()}`);
    return resp.json();
  };
  return { ...registry, bank, pay };
}
