#include <mtasts/core/diagnostic.hpp>

#include <algorithm>

namespace mtasts::core {

std::string_view severity_name(Severity severity)
{
  switch (severity) {
  case Severity::error:
    return "error";
  case Severity::warning:
    return "warning";
  case Severity::info:
    return "info";
  }
  return "error";
}

bool has_errors(const Diagnostics& diagnostics)
{
  return std::ranges::any_of(diagnostics,
                             [](const Diagnostic& d) { return d.severity == Severity::error; });
}

std::size_t count(const Diagnostics& diagnostics, Severity severity)
{
  return static_cast<std::size_t>(std::ranges::count_if(
      diagnostics, [severity](const Diagnostic& d) { return d.severity == severity; }));
}

std::string_view profile_name(Profile profile)
{
  return profile == Profile::strict ? "strict" : "compatible";
}

std::optional<Profile> parse_profile(std::string_view name)
{
  if (name == "strict") {
    return Profile::strict;
  }
  if (name == "compatible") {
    return Profile::compatible;
  }
  return std::nullopt;
}

} // namespace mtasts::core
