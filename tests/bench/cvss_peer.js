// tests/bench/cvss_peer.js VECTORS_FILE - scores every line with the npm
// package ae-cvss-calculator (development-only peer of bench_cvss.sh) and
// prints "<vectors> <seconds>" on stdout; the scores go to VECTORS_FILE.peer
// so the bench can compare them with FlawFix's.
'use strict';
const fs = require('fs');
const { Cvss4P0 } = require('ae-cvss-calculator');
const file = process.argv[2];
const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0);
const scores = new Array(lines.length);
const t0 = process.hrtime.bigint();
for (let i = 0; i < lines.length; i++) {
  scores[i] = new Cvss4P0(lines[i]).calculateScores().overall;
}
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
fs.writeFileSync(file + '.peer', scores.map((s) => Number(s).toFixed(1)).join('\n') + '\n');
console.log(`${lines.length} ${secs}`);
