// What an RFC 8461 sender does with the domain now, from the checker's evidence, through the
// same engine the resolver runs (core::SenderResolution on an empty cache): the `_mta-sts`
// record it selects, the fetch it acts on (the first policy-host address where a server
// answered), the DANE coverage it finds when a policy would apply, and the socketmap answer
// `mtasts resolver` gives Postfix (its default zone). `mtasts check --json` shows it as
// `sender`; tests/check/check_test.cpp requires `answer` to equal the daemon's reply.
#pragma once

#include <mtasts/check/evidence.hpp>
#include <mtasts/core/sender.hpp>

#include <boost/json/object.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace mtasts::check {

struct SenderView
{
  core::Discovery discovery;
  std::optional<core::FetchOutcome> fetch;  // when a fetch was made
  std::optional<core::CachedPolicy> policy; // the policy that applies, if any
  core::DaneCoverage dane = core::DaneCoverage::unknown;
  core::Answer answer; // decide_answer() with the default settings
  std::string reply;   // core::socketmap_reply(answer)
};

SenderView sender_view(const DomainEvidence& evidence, std::chrono::sys_seconds now);

// {"policy": {id, mode, max_age, mx} | null, "applied": bool, "reason": the answer's reason,
//  "why": plain words, "failure": RFC 8460 result type | null, "dane": unknown|none|partial|all,
//  "answer": the socketmap reply}
boost::json::object sender_json(const SenderView& view);

} // namespace mtasts::check
