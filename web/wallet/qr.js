// A QR code on a canvas: error correction Q (the permit's) unless told, a quiet zone of 4 modules,
// black on white, each module a whole number of device pixels so that it stays sharp.
import qrcode from 'qrcode-generator';

export const QUIET_ZONE = 4;

// The QR code's modules for `text` (a `DWP1:` payload is QR alphanumeric: Base45's alphabet).
export function encode(text, level = 'Q') {
  const qr = qrcode(0, level);
  qr.addData(text, /^[0-9A-Z $%*+\-./:]*$/.test(text) ? 'Alphanumeric' : 'Byte');
  qr.make();
  const n = qr.getModuleCount();
  return { size: n, dark: (row, col) => qr.isDark(row, col), version: (n - 17) / 4 };
}

export function draw(canvas, text, cssWidth, level = 'Q') {
  const code = encode(text, level);
  const total = code.size + 2 * QUIET_ZONE;
  const scale = Math.max(2, Math.floor((cssWidth * (globalThis.devicePixelRatio || 1)) / total));
  canvas.width = canvas.height = total * scale;
  canvas.style.width = canvas.style.height = `${(total * scale) / (globalThis.devicePixelRatio || 1)}px`;
  const g = canvas.getContext('2d');
  g.fillStyle = '#fff';
  g.fillRect(0, 0, canvas.width, canvas.height);
  g.fillStyle = '#000';
  for (let r = 0; r < code.size; r++) {
    for (let c = 0; c < code.size; c++) {
      if (code.dark(r, c)) g.fillRect((c + QUIET_ZONE) * scale, (r + QUIET_ZONE) * scale, scale, scale);
    }
  }
  return code;
}
