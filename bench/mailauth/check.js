'use strict';
// Peer timing for bench/bench_check: mailauth's getPolicy + validateMx over the domains in FILE,
// or getPolicy alone with the word policy-only (mailauth's policy-only check), against the test
// world's DNS server (HTTPS trust through NODE_EXTRA_CA_CERTS). mailauth does not probe
// SMTP/STARTTLS, check every policy-host address, lint or look at TLSRPT.
// Usage: node check.js DOMAINS_FILE DNS_SERVER [CONCURRENCY] [policy-only]
// Prints one JSON line: {"domains", "policies", "mx_total", "mx_valid", "errors", "seconds"}.
const fs = require('node:fs');
const dns = require('node:dns');
const { getPolicy, validateMx } = require('mailauth/lib/mta-sts');

const [file, server, concurrencyArg, modeArg] = process.argv.slice(2);
const policyOnly = modeArg === 'policy-only';
const concurrency = Number(concurrencyArg || 16);
const domains = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map(line => line.replace(/#.*/, '').trim())
    .filter(Boolean);

const resolver = new dns.promises.Resolver();
resolver.setServers([server]);
const resolve = (name, type) => resolver.resolve(name, type);

const stats = { domains: domains.length, policies: 0, mx_total: 0, mx_valid: 0, errors: [] };

const checkDomain = async domain => {
    const result = await getPolicy(domain, null, { resolver: resolve });
    if (result.status === 'found' && ['enforce', 'testing'].includes(result.policy.mode)) {
        stats.policies++;
    } else {
        stats.errors.push(`${domain}: ${result.status} ${result.policy?.error?.message || ''}`);
    }
    if (policyOnly) {
        return;
    }
    const mxs = await resolver.resolveMx(domain);
    for (const mx of mxs) {
        stats.mx_total++;
        if (validateMx(mx.exchange, result.policy).valid) {
            stats.mx_valid++;
        }
    }
};

const main = async () => {
    const started = process.hrtime.bigint();
    let next = 0;
    const worker = async () => {
        while (next < domains.length) {
            const domain = domains[next++];
            try {
                await checkDomain(domain);
            } catch (err) {
                stats.errors.push(`${domain}: ${err.message}`);
            }
        }
    };
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
    stats.seconds = Number(process.hrtime.bigint() - started) / 1e9;
    stats.errors = stats.errors.slice(0, 5).concat(stats.errors.length > 5 ? [`... ${stats.errors.length - 5} more`] : []);
    process.stdout.write(JSON.stringify(stats) + '\n');
};

main().catch(err => {
    console.error(err);
    process.exit(1);
});
