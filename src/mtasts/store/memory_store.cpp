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
    return m_records.erase(std::string(domain)) > 0;
  }

  util::Expected<std::size_t, std::string> erase_all() override
  {
    const std::size_t removed = m_records.size();
    m_records.clear();
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
    return static_cast<std::size_t>(std::erase_if(
        m_records, [now](const auto& entry) { return entry.second.expires_at <= now; }));
  }

  std::string_view kind() const override { return "memory"; }

private:
  std::unordered_map<std::string, PolicyRecord> m_records;
};

} // namespace

std::unique_ptr<PolicyStore> make_memory_store()
{
  return std::make_unique<MemoryStore>();
}

} // namespace mtasts::store
