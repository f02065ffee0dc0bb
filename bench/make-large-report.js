// Writes bench/data/large-report.json(.gz): a deterministic synthetic RFC 8460 report with many
// policies and failure details, for throughput figures. Run: node bench/make-large-report.js
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const types = ['certificate-expired', 'starttls-not-supported', 'certificate-host-mismatch',
               'certificate-not-trusted', 'validation-failure', 'sts-policy-fetch-error'];
const policies = [];
for (let p = 0; p < 200; p++) {
  const domain = `d${p}.example.com`;
  const details = [];
  for (let d = 0; d < 20; d++) {
    details.push({
      'result-type': types[(p + d) % types.length],
      'sending-mta-ip': `198.51.100.${d}`,
      'receiving-mx-hostname': `mx${d % 3}.${domain}`,
      'receiving-ip': `192.0.2.${(p * 7 + d) % 250}`,
      'failed-session-count': (p * 31 + d * 7) % 500 + 1,
      'failure-reason-code': 'X509_V_ERR_CERT_HAS_EXPIRED',
    });
  }
  policies.push({
    policy: {
      'policy-type': 'sts',
      'policy-string': ['version: STSv1', 'mode: testing', `mx: *.${domain}`, 'max_age: 86400'],
      'policy-domain': domain,
      'mx-host': [`*.${domain}`],
    },
    summary: { 'total-successful-session-count': 100000 + p, 'total-failure-session-count': 5000 + p },
    'failure-details': details,
  });
}
const report = {
  'organization-name': 'Example Sender Inc.',
  'date-range': { 'start-datetime': '2026-11-22T00:00:00Z', 'end-datetime': '2026-11-22T23:59:59Z' },
  'contact-info': 'smtp-tls-reporting@sender.example',
  'report-id': '2026-11-22T00:00:00Z_large',
  policies,
};
const json = JSON.stringify(report);
const out = path.join(__dirname, 'data');
fs.writeFileSync(path.join(out, 'large-report.json'), json);
fs.writeFileSync(path.join(out, 'large-report.json.gz'), zlib.gzipSync(json, { level: 6, mtime: 0 }));
console.log(`large-report.json: ${json.length} bytes`);
