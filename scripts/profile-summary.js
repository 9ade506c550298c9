#!/usr/bin/env node
/**
 * `node scripts/profile-summary.js <file.cpuprofile> [top]`: where a V8 CPU profile spent its samples,
 * by package (node_modules/<name>, or the app's own folder) and by function, as percentages of the
 * samples. For the profiles `BENCH_PROFILE=<dir> npm run bench:api` writes.
 */
const { readFileSync } = require('node:fs');

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node scripts/profile-summary.js <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const counts = new Map();
for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
const total = profile.samples.length;

function area(url, name) {
  if (!url) return name === '(garbage collector)' ? 'GC' : name === '(idle)' || name === '(program)' ? name : 'node internals';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  if (url.startsWith('node:')) return 'node internals';
  const own = /\/(src|libs|bench)\/([^/]+)/.exec(url);
  return own ? `${own[1]}/${own[2]}` : url;
}

const areas = new Map();
const functions = new Map();
for (const [id, n] of counts) {
  const node = byId.get(id);
  const { url, functionName, lineNumber } = node.callFrame;
  const a = area(url, functionName);
  areas.set(a, (areas.get(a) ?? 0) + n);
  const f = `${functionName || '(anonymous)'} ${url ? `${url.split('/').slice(-2).join('/')}:${lineNumber + 1}` : ''}`;
  functions.set(f, (functions.get(f) ?? 0) + n);
}
const pct = (n) => `${((n / total) * 100).toFixed(1)} %`;
const busy = total - (areas.get('(idle)') ?? 0);
console.log(`${total} samples, ${pct(busy)} busy\n\nby package (self time):`);
for (const [a, n] of [...areas].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`  ${pct(n).padStart(7)}  ${a}`);
console.log('\nby function (self time):');
for (const [f, n] of [...functions].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`  ${pct(n).padStart(7)}  ${f}`);
