// `mtasts check`: the online domain checker (check/checker.hpp) rendered as text or JSON. The
// JSON shape and exit codes are part of the public contract in docs/CLI.md.
#pragma once

#include <mtasts/check/checker.hpp>
#include <mtasts/cli/output.hpp>

#include <string>
#include <vector>

namespace mtasts::cli {

struct CheckCommandOptions
{
  check::CheckOptions check;
  std::vector<std::string> domains;
  std::string file; // optional: more domains, one per line ("#" comments and blank lines skipped)
  bool json = false;
  // Draw a one-line progress bar on `err` while several domains are checked (the caller sets it
  // when standard error is a terminal).
  bool progress = false;
};

// Text output is streamed: each domain's block is printed (and `out` flushed) as soon as it and
// every domain before it in input order are done. JSON is one document at the end.
// Exit 0 when no domain has an error-level problem, 1 when any has, 2 when no domain was given,
// the file is unreadable, or the DNS/TLS options are unusable.
int check(const CheckCommandOptions& options, const Io& io);

} // namespace mtasts::cli
