// Draws media/icon.png (256x256), the Marketplace icon: a cluster of normal points and one anomaly,
// ringed. Run once by hand (node scripts/make-icon.mjs); the PNG is committed.
import { createCanvas } from '@napi-rs/canvas';
import { writeFileSync } from 'fs';

const S = 256;
const c = createCanvas(S, S);
const g = c.getContext('2d');

// Rounded square, deep blue to teal.
const r = 48;
g.beginPath();
g.moveTo(r, 0);
g.arcTo(S, 0, S, S, r);
g.arcTo(S, S, 0, S, r);
g.arcTo(0, S, 0, 0, r);
g.arcTo(0, 0, S, 0, r);
g.closePath();
const bg = g.createLinearGradient(0, 0, S, S);
bg.addColorStop(0, '#1b2a4e');
bg.addColorStop(1, '#0f5e6e');
g.fillStyle = bg;
g.fill();

// Normal points: a deterministic elliptical cloud (a small LCG, so the icon is reproducible).
let seed = 7;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
g.fillStyle = 'rgba(180, 236, 232, 0.9)';
for (let i = 0; i < 70; i++) {
  const a = rand() * Math.PI * 2;
  const d = Math.sqrt(rand());
  const x = 100 + Math.cos(a) * d * 62 + Math.sin(a) * d * 10;
  const y = 150 + Math.sin(a) * d * 38 - Math.cos(a) * d * 12;
  g.beginPath();
  g.arc(x, y, 5, 0, Math.PI * 2);
  g.fill();
}

// The anomaly, far from the cloud, with a ring.
g.fillStyle = '#ff6b4a';
g.beginPath();
g.arc(192, 66, 12, 0, Math.PI * 2);
g.fill();
g.strokeStyle = '#ffd166';
g.lineWidth = 6;
g.beginPath();
g.arc(192, 66, 30, 0, Math.PI * 2);
g.stroke();

writeFileSync(new URL('../media/icon.png', import.meta.url), c.toBuffer('image/png'));
console.log('media/icon.png', S, 'x', S);
