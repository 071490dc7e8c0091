// The camera's QR reader, loaded only when the worker scans an offer: the browser's own
// BarcodeDetector where it has one, else the zxing-wasm polyfill served with the page.
import { BarcodeDetector, setZXingModuleOverrides } from 'barcode-detector/pure';

let instance = null;

export function detector() {
  if (instance) return instance;
  if ('BarcodeDetector' in globalThis) {
    instance = new globalThis.BarcodeDetector({ formats: ['qr_code'] });
  } else {
    setZXingModuleOverrides({
      locateFile: (path, prefix) => (path.endsWith('.wasm') ? new URL('vendor/zxing_reader.wasm', location.href).href : prefix + path),
    });
    instance = new BarcodeDetector({ formats: ['qr_code'] });
  }
  return instance;
}
