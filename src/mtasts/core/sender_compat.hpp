// Widely deployed sender implementations whose policy parsers are stricter than RFC 8461's
// compatible reading (core/policy, Profile::compatible): a policy one of them rejects gives the
// domain no MTA-STS protection from the senders that run it, so `mtasts check` reports it as an
// error (policy-rejected-by-sender). Each rule set is written from the implementation's source,
// named with its version; the mailauth rules are checked against mailauth itself in the tests
// (tests/compat/, node + npm).
//
//   mailauth 7.1.0, parsePolicy(file, {strict: true}) (lib/mta-sts.js; the MTA-STS code of
//   ZoneMTA and WildDuck): lines split on LF or CRLF; a field counts only when its name is
//   exactly (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".") (so leading whitespace, a space
//   before ':' or a BOM hides it); values trimmed of spaces and tabs; the first version, mode and
//   max_age count; version must be "STSv1", mode one of enforce / testing / none, max_age 1 to 10
//   digits and at most 31557600; every mx value must be ["*."] LDH labels (no trailing dot, no
//   list, no U-label); mx is required unless mode is none.
//
//   postfix-mta-sts-resolver 1.5.0 (postfix_mta_sts_resolver/resolver.py, utils.py; Debian's
//   package of the same parser): the body is decoded with the Content-Type charset, ASCII when
//   there is none (any other byte fails the fetch); a field's name is the text before the first
//   ':' as is (leading whitespace or a space before ':' hides it); the last occurrence of a field
//   counts; version must be "STSv1", max_age an integer from 0 to 31557600, mode present and one
//   of the three, and at least one mx line unless mode is none.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mtasts::core {

struct SenderRejection
{
  std::string_view implementation; // name and version, e.g. "mailauth 7.1.0 (strict)"
  std::string_view used_by;        // who runs it, for the message
  std::string reason;              // what it objects to, in its own terms
};

// The implementations above that reject `body` as served with `content_type` (the header as
// sent; only its charset parameter matters). Pure.
std::vector<SenderRejection> sender_rejections(std::string_view body,
                                               std::string_view content_type);

} // namespace mtasts::core
