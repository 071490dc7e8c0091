// The wallet's IndexedDB: one object store of records by name. `permit` holds `{payload, credential,
// receivedAt}`, `deviceKey` the non-extractable WebCrypto key pair, `registry` the last verifier bundle
// with the registry's time when it was fetched (`{bundle, registryTime, localTime}`, milliseconds).
export const DB_NAME = 'dwp-wallet';
export const STORE = 'wallet';

function open() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function run(mode, action) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = action(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

export const load = (name) => run('readonly', (s) => s.get(name));
export const save = (name, value) => run('readwrite', (s) => s.put(value, name));
