#include <mtasts/core/postfix_answer.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace mtasts::core {

std::string postfix_secure_answer(std::string_view policy_domain, const Policy& policy,
                                  const PostfixAnswerOptions& options)
{
  std::vector<std::string_view> patterns;
  patterns.reserve(policy.mx.size());
  for (const auto& pattern : policy.mx) {
    if (std::find(patterns.begin(), patterns.end(), pattern.text) == patterns.end()) {
      patterns.push_back(pattern.text);
    }
  }
  std::string answer = "secure match=";
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    if (i > 0) {
      answer += ':';
    }
    const auto pattern = patterns[i];
    answer += pattern.starts_with("*.") ? pattern.substr(1) : pattern;
  }
  if (options.servername) {
    answer += " servername=hostname";
  }
  if (options.tlsrpt_attributes) {
    fmt::format_to(std::back_inserter(answer), " policy_type=sts policy_domain={}", policy_domain);
    for (const auto pattern : patterns) {
      fmt::format_to(std::back_inserter(answer), " mx_host_pattern={}", pattern);
    }
    fmt::format_to(std::back_inserter(answer),
                   " {{ policy_string = version: STSv1 }} {{ policy_string = mode: {} }}",
                   mode_name(policy.mode));
    for (const auto& pattern : policy.mx) {
      fmt::format_to(std::back_inserter(answer), " {{ policy_string = mx: {} }}", pattern.text);
    }
    fmt::format_to(std::back_inserter(answer), " {{ policy_string = max_age: {} }}",
                   policy.max_age);
  }
  return answer;
}

} // namespace mtasts::core
