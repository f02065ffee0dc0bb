// What `mtasts serve` must remember across restarts: for every served domain, the policy body it
// serves and the `_mta-sts` id that goes with it (RFC 8461 §3.1: the id changes whenever the
// policy does, and only then). SQLite, one file under serve's state_dir, WAL, schema versioned by
// PRAGMA user_version. Blocking calls: used at start, reload and on admin changes only.
#pragma once

#include <mtasts/util/expected.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mtasts::store {

struct ServedPolicy
{
  std::string domain;
  std::string policy; // canonical body, CRLF
  std::string id;
  std::int64_t changed_at = 0; // seconds since the epoch

  friend bool operator==(const ServedPolicy&, const ServedPolicy&) = default;
};

class ServedPolicyStore
{
public:
  // Opens (creating it and its schema) the SQLite file at `path`. The directory must exist.
  static util::Expected<std::unique_ptr<ServedPolicyStore>, std::string>
  open(const std::string& path);
  ~ServedPolicyStore();
  ServedPolicyStore(const ServedPolicyStore&) = delete;
  ServedPolicyStore& operator=(const ServedPolicyStore&) = delete;

  util::Expected<std::vector<ServedPolicy>, std::string> load_all() const;
  util::Expected<bool, std::string> save(const ServedPolicy& policy) const;
  util::Expected<bool, std::string> remove(const std::string& domain) const;

private:
  struct State;
  explicit ServedPolicyStore(std::unique_ptr<State> state);
  std::unique_ptr<State> m_state;
};

} // namespace mtasts::store
