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

// A domain added at run time (`mtasts domains add`), not in the configuration file: its settings
// as the serve job writes them (JSON text; the store does not read it), and when an offboarded
// domain is to be forgotten (0 while it is served normally).
struct RuntimeDomain
{
  std::string name;
  std::string settings;
  std::int64_t forget_at = 0;

  friend bool operator==(const RuntimeDomain&, const RuntimeDomain&) = default;
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

  util::Expected<std::vector<RuntimeDomain>, std::string> load_runtime_domains() const;
  util::Expected<bool, std::string> save_runtime_domain(const RuntimeDomain& domain) const;
  // Forgets the domain: its settings and its served policy row.
  util::Expected<bool, std::string> remove_runtime_domain(const std::string& name) const;

private:
  struct State;
  explicit ServedPolicyStore(std::unique_ptr<State> state);
  std::unique_ptr<State> m_state;
};

} // namespace mtasts::store
