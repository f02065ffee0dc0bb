#include <mtasts/store/memory_store.hpp>

#include <string>
#include <unordered_map>
#include <utility>

namespace mtasts::store {

namespace {

using std::chrono::sys_seconds;

class MemoryStore final : public PolicyStore
{
public:
  util::Expected<std::optional<PolicyRecord>, std::string> load(std::string_view domain,
                                                                sys_seconds now) override
  {
    const auto found = m_records.find(std::string(domain));
    if (found == m_records.end() || found->second.expires_at <= now) {
      return std::optional<PolicyRecord>{};
    }
    return std::optional<PolicyRecord>{found->second};
  }

  util::Expected<bool, std::string> save(const PolicyRecord& record) override
  {
    m_records.insert_or_assign(record.domain, record);
    return true;
  }

  util::Expected<bool, std::string> erase(std::string_view domain) override
  {
    m_observations.erase(std::string(domain));
    return m_records.erase(std::string(domain)) > 0;
  }

  util::Expected<std::size_t, std::string> erase_all() override
  {
    const std::size_t removed = m_records.size();
    m_records.clear();
    m_observations.clear();
    return removed;
  }

  util::Expected<std::vector<PolicyRecord>, std::string> load_all(sys_seconds now,
                                                                  std::size_t limit) override
  {
    std::vector<PolicyRecord> records;
    for (const auto& [domain, record] : m_records) {
      if (records.size() >= limit) {
        break;
      }
      if (record.expires_at > now) {
        records.push_back(record);
      }
    }
    return records;
  }

  util::Expected<std::size_t, std::string> purge_expired(sys_seconds now) override
  {
    const auto removed = static_cast<std::size_t>(std::erase_if(
        m_records, [now](const auto& entry) { return entry.second.expires_at <= now; }));
    std::erase_if(m_observations,
                  [this](const auto& entry) { return !m_records.contains(entry.first); });
    return removed;
  }

  util::Expected<bool, std::string>
  replace_observations(std::string_view domain,
                       const std::vector<ObservationRecord>& records) override
  {
    if (auto error = observation_set_error(domain, records); !error.empty()) {
      return util::Unexpected("memory: " + error);
    }
    if (!m_records.contains(std::string(domain))) {
      return false;
    }
    m_observations.insert_or_assign(std::string(domain), records);
    return true;
  }

  util::Expected<std::vector<ObservationRecord>, std::string>
  load_observations(std::string_view domain, sys_seconds now) override
  {
    const auto found = m_observations.find(std::string(domain));
    if (found == m_observations.end() || !live(found->first, now)) {
      return std::vector<ObservationRecord>{};
    }
    return found->second;
  }

  util::Expected<std::vector<ObservationRecord>, std::string>
  load_all_observations(sys_seconds now, std::size_t limit) override
  {
    std::vector<ObservationRecord> records;
    for (const auto& [domain, set] : m_observations) {
      if (!live(domain, now)) {
        continue;
      }
      if (records.size() + set.size() > limit) {
        break;
      }
      records.insert(records.end(), set.begin(), set.end());
    }
    return records;
  }

  std::string_view kind() const override { return "memory"; }

private:
  bool live(const std::string& domain, sys_seconds now) const
  {
    const auto found = m_records.find(domain);
    return found != m_records.end() && found->second.expires_at > now;
  }

  std::unordered_map<std::string, PolicyRecord> m_records;
  std::unordered_map<std::string, std::vector<ObservationRecord>> m_observations;
};

} // namespace

std::unique_ptr<PolicyStore> make_memory_store()
{
  return std::make_unique<MemoryStore>();
}

} // namespace mtasts::store
