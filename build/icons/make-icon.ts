/**
 * Draws the app icon (build/icons/icon.png, 512×512 RGBA): a 3×3 mosaic of
 * rounded tiles, one of them a key colour. electron-builder makes the .ico
 * and .icns from it. Regenerate with: npx tsx build/icons/make-icon.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const SIZE = 512;
const TILES = 3;
const MARGIN = 40;
const GAP = 22;
const RADIUS = 26;
const COLOURS: [number, number, number][] = [
  [28, 78, 128],
  [44, 110, 170],
  [28, 78, 128],
  [44, 110, 170],
  [242, 169, 0],
  [44, 110, 170],
  [28, 78, 128],
  [44, 110, 170],
  [28, 78, 128],
];

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

export function drawIcon(): Buffer {
  const tile = (SIZE - 2 * MARGIN - (TILES - 1) * GAP) / TILES;
  const raw = Buffer.alloc(SIZE * (SIZE * 4 + 1));
  for (let y = 0; y < SIZE; y++) {
    raw[y * (SIZE * 4 + 1)] = 0; // filter: none
    for (let x = 0; x < SIZE; x++) {
      const o = y * (SIZE * 4 + 1) + 1 + x * 4;
      const cx = Math.floor((x - MARGIN) / (tile + GAP));
      const cy = Math.floor((y - MARGIN) / (tile + GAP));
      if (cx < 0 || cy < 0 || cx >= TILES || cy >= TILES) continue;
      const lx = x - MARGIN - cx * (tile + GAP);
      const ly = y - MARGIN - cy * (tile + GAP);
      if (lx >= tile || ly >= tile) continue;
      const dx = Math.max(RADIUS - lx, 0, lx - (tile - 1 - RADIUS));
      const dy = Math.max(RADIUS - ly, 0, ly - (tile - 1 - RADIUS));
      const alpha = Math.max(0, Math.min(1, RADIUS + 0.5 - Math.hypot(dx, dy)));
      if (alpha === 0) continue;
      const [r, g, b] = COLOURS[cy * TILES + cx]!;
      raw[o] = r;
      raw[o + 1] = g;
      raw[o + 2] = b;
      raw[o + 3] = Math.round(alpha * 255);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(SIZE, 0);
  ihdr.writeUInt32BE(SIZE, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'icon.png');
  fs.writeFileSync(out, drawIcon());
  console.log(`wrote ${out}`);
}
