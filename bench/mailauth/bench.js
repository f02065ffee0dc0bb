// Times mailauth (npm) on bench/data: parsePolicy (both modes), validateMx, and for reports the
// baseline a Node consumer has (mailauth has no TLSRPT parser): zlib.gunzipSync + JSON.parse.
// Prints one JSON object: { name: nanoseconds per operation }.
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const { parsePolicy, validateMx } = require('mailauth/lib/mta-sts');

const data = path.join(__dirname, '..', 'data');
const read = (name) => fs.readFileSync(path.join(data, name));

function time(fn, minMillis = 1000) {
  for (let i = 0; i < 1000; i++) fn(); // warm up the JIT
  let iterations = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0n;
  do {
    for (let i = 0; i < 1000; i++) fn();
    iterations += 1000;
    elapsed = process.hrtime.bigint() - start;
  } while (elapsed < BigInt(minMillis) * 1000000n);
  return Number(elapsed) / iterations;
}

const policy = read('policy.txt').toString();
const parsed = parsePolicy(policy);
const hosts = ['mail.example.com', 'mx2.example.net', 'a.b.example.net'];
const results = {
  policy_parse_strict: time(() => parsePolicy(policy, { strict: true })),
  policy_parse_compatible: time(() => parsePolicy(policy)),
  mx_match: time(() => hosts.forEach((h) => validateMx(h, parsed))) / hosts.length,
};
for (const [name, file] of [['small_json', 'report.json'], ['large_json', 'large-report.json']]) {
  const text = read(file).toString();
  results[`report_parse_${name}`] = time(() => JSON.parse(text));
}
for (const [name, file] of [['small_gzip', 'report.json.gz'], ['large_gzip', 'large-report.json.gz']]) {
  const bytes = read(file);
  results[`report_parse_${name}`] = time(() => JSON.parse(zlib.gunzipSync(bytes).toString()));
}
console.log(JSON.stringify(results));
