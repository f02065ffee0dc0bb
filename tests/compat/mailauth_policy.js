'use strict';
// Prints, for every policy file given, whether mailauth's strict parser accepts it, as one JSON
// line: {"file": F, "accepted": true|false, "error": "..."}. Used by sender_compat_test.cpp.
const fs = require('node:fs');
const { parsePolicy } = require('mailauth/lib/mta-sts');

for (const file of process.argv.slice(2)) {
    const body = fs.readFileSync(file);
    let line = { file, accepted: true };
    try {
        parsePolicy(body, { strict: true });
    } catch (err) {
        line = { file, accepted: false, error: err.message };
    }
    process.stdout.write(JSON.stringify(line) + '\n');
}
