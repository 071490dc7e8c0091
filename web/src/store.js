// The verifier page's IndexedDB: the verifier bundle it holds for offline checks. Not localStorage,
// whose quota (about 5 MB) a national bundle would outgrow. A bundle held in localStorage by an
// earlier version of the page is moved here once.
const DB_NAME = 'dwp-verifier';
const STORE = 'verifier';
const KEY = 'bundle';

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

// The bundle held, as its JSON text (or null), after moving one from localStorage.
export async function loadBundle(legacyKey) {
  const old = localStorage.getItem(legacyKey);
  if (old) {
    await saveBundle(old);
    localStorage.removeItem(legacyKey);
  }
  return (await run('readonly', (s) => s.get(KEY))) ?? null;
}

export const saveBundle = (text) => run('readwrite', (s) => s.put(text, KEY));
export const dropBundle = () => run('readwrite', (s) => s.delete(KEY));
