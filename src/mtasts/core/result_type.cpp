#include <mtasts/core/result_type.hpp>

#include <algorithm>
#include <array>

namespace mtasts::core {

namespace {

constexpr std::array k_result_types = {
    // Negotiation failures.
    ResultTypeInfo{"starttls-not-supported", "negotiation",
                   "The MX did not advertise STARTTLS in its EHLO response, or refused the "
                   "STARTTLS command, so "
                   "no TLS session could be started.",
                   "Enable STARTTLS with a valid certificate on every MX host, and check that no "
                   "firewall, load "
                   "balancer or SMTP proxy in front of the MX strips the STARTTLS capability."},
    ResultTypeInfo{"certificate-host-mismatch", "negotiation",
                   "The MX presented a certificate whose subjectAltName DNS names do not cover the "
                   "MX host name "
                   "the sender connected to.",
                   "Add every MX host name (as listed in the MX records) to the certificate's "
                   "subjectAltName; CN "
                   "alone is ignored."},
    ResultTypeInfo{"certificate-expired", "negotiation",
                   "The certificate the MX presented was outside its validity period (expired, or "
                   "not yet valid) "
                   "at the time of the session.",
                   "Renew the MX certificate, make sure every MX host has reloaded the renewed "
                   "file (restart or "
                   "reload the MTA), and monitor the notAfter date of each MX."},
    ResultTypeInfo{
        "certificate-not-trusted", "negotiation",
        "The MX certificate chain did not validate to a trusted root (self-signed or private CA, "
        "missing intermediate, name-constraint violation); failure-reason-code usually names the "
        "exact error.",
        "Use a certificate from a publicly trusted CA and serve the full chain (leaf plus "
        "intermediates) on every MX; verify with `openssl s_client -starttls smtp -showcerts`."},
    ResultTypeInfo{"validation-failure", "negotiation",
                   "A general TLS or validation failure that fits no more specific result type; "
                   "the sender puts "
                   "the detail, often an OpenSSL error name, in failure-reason-code.",
                   "Read failure-reason-code and reproduce the session against the named MX "
                   "(`openssl s_client "
                   "-starttls smtp -connect <mx>:25 -servername <mx>`); protocol or cipher "
                   "mismatches and broken "
                   "chains are the usual causes."},
    // DANE policy failures.
    ResultTypeInfo{
        "tlsa-invalid", "dane",
        "None of the TLSA records published for the MX host matched the certificate chain the MX "
        "presented, or none of them was usable.",
        "Publish TLSA records under _25._tcp.<mx-host> that match the certificate or key in use "
        "(e.g. 3 1 1 of the leaf public key), and publish the new record before deploying a new "
        "key."},
    ResultTypeInfo{
        "dnssec-invalid", "dane",
        "The sender's validating resolver received bogus or unverifiable DNSSEC answers, or "
        "SERVFAIL, "
        "for the records it needed (MX, address or TLSA).",
        "Check the DNSSEC chain of the domain and of each MX host's zone (DS at the parent, "
        "unexpired "
        "RRSIGs, completed key rollovers), including signed denial-of-existence for TLSA queries."},
    ResultTypeInfo{"dane-required", "dane",
                   "The sender requires DANE for this destination by local policy, but found no "
                   "DNSSEC-validated "
                   "TLSA records for the MX host.",
                   "Publish DNSSEC-signed TLSA records at _25._tcp.<mx-host> for every MX host, or "
                   "ask the sending "
                   "organisation to drop its mandatory-DANE setting for your domain."},
    // MTA-STS policy failures.
    ResultTypeInfo{
        "sts-policy-fetch-error", "sts",
        "The sender could not retrieve the MTA-STS policy from "
        "https://mta-sts.<domain>/.well-known/mta-sts.txt (DNS failure, connection error, timeout, "
        "redirect or a non-200 status).",
        "Make sure mta-sts.<domain> resolves, serves HTTPS on port 443 and answers that exact path "
        "with "
        "200 and no redirect; when retiring MTA-STS, publish mode: none before removing the "
        "record."},
    ResultTypeInfo{
        "sts-policy-invalid", "sts",
        "The sender fetched the MTA-STS policy but it failed to parse or validate (missing or bad "
        "version, mode, mx or max_age line, or a wrong Content-Type).",
        "Serve the policy as text/plain with `version: STSv1`, `mode:`, one `mx:` line per MX "
        "pattern "
        "and `max_age:`, lint it, and check that the mx: patterns cover every MX record."},
    ResultTypeInfo{"sts-webpki-invalid", "sts",
                   "The HTTPS certificate of mta-sts.<domain> failed PKIX validation (untrusted, "
                   "expired, or not "
                   "valid for the mta-sts host name), so the policy could not be authenticated.",
                   "Serve a publicly trusted, unexpired certificate whose subjectAltName includes "
                   "mta-sts.<domain>, together with its intermediate certificates."},
};

constexpr std::array<std::string_view, 3> k_policy_types = {"sts", "tlsa", "no-policy-found"};

} // namespace

const ResultTypeInfo* find_result_type(std::string_view name)
{
  const auto found = std::ranges::find(k_result_types, name, &ResultTypeInfo::name);
  return found == k_result_types.end() ? nullptr : &*found;
}

std::span<const ResultTypeInfo> all_result_types()
{
  return k_result_types;
}

std::span<const std::string_view> known_policy_types()
{
  return k_policy_types;
}

bool is_known_policy_type(std::string_view name)
{
  return std::ranges::find(k_policy_types, name) != k_policy_types.end();
}

} // namespace mtasts::core
