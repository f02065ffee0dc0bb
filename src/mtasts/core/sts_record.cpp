#include <mtasts/core/sts_record.hpp>
#include <mtasts/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace mtasts::core {

namespace {

constexpr TxtRecordKind k_sts_kind{
    .version = k_sts_version,
    .record_name = "an MTA-STS record",
    .owner = "_mta-sts.<domain>",
    .example = "v=STSv1; id=20240101T000000Z",
    .absent = "no MTA-STS policy is discoverable",
    .rfc = "RFC 8461 §3.1",
    .list_field = "",
};

constexpr std::string_view k_id_rule = "an id is 1 to 32 letters and digits (RFC 8461 §3.1)";

// Checks the first "id=" field; returns true when its value is a valid id.
bool check_id(const TxtField& field, std::uint32_t record_number, Diagnostics& diagnostics)
{
  const auto value = field.value;
  if (value.empty()) {
    add_txt_diagnostic(diagnostics, sts_record_code("id-empty"), record_number, field.value_column,
                       fmt::format("the id is empty; {}", k_id_rule));
    return false;
  }
  const auto bad = std::ranges::find_if_not(value, util::is_ascii_alnum);
  if (bad != value.end()) {
    const auto offset = static_cast<std::size_t>(bad - value.begin());
    add_txt_diagnostic(diagnostics, sts_record_code("id-invalid"), record_number,
                       advance_column(field.value_column, offset),
                       fmt::format("the id '{}' contains {}; {}{}", util::printable(value),
                                   describe_txt_char(*bad), k_id_rule,
                                   missing_delimiter_hint(value, offset)));
    return false;
  }
  if (value.size() > k_max_sts_id_length) {
    add_txt_diagnostic(diagnostics, sts_record_code("id-too-long"), record_number,
                       field.value_column,
                       fmt::format("the id '{}' is {} characters long; {}",
                                   util::printable(value, 40), value.size(), k_id_rule));
    return false;
  }
  return true;
}

Checked<StsRecord> parse_sts_record_at(std::string_view record, Profile profile,
                                       std::uint32_t record_number)
{
  Checked<StsRecord> result;
  auto& diagnostics = result.diagnostics;
  const auto fields = scan_txt_fields(record, k_sts_kind, record_number, profile, diagnostics);
  if (!fields) {
    return result;
  }
  StsRecord sts;
  bool id_seen = false;
  const TxtField* id_lookalike = nullptr;
  for (const auto& field : *fields) {
    if (field.duplicate) {
      continue;
    }
    if (field.name == "id") {
      id_seen = true;
      if (check_id(field, record_number, diagnostics)) {
        sts.id = field.value;
      }
      continue;
    }
    if (util::iequals_ascii(field.name, "id") && id_lookalike == nullptr) {
      id_lookalike = &field;
    }
    if (check_txt_extension(field, k_sts_kind, record_number, diagnostics)) {
      sts.extensions.push_back(TxtExtension{std::string(field.name), std::string(field.value)});
    }
  }
  if (!id_seen) {
    std::string message = fmt::format("no 'id=' field; an MTA-STS record needs one, e.g. '{}' "
                                      "(RFC 8461 §3.1)",
                                      k_sts_kind.example);
    if (id_lookalike != nullptr) {
      message +=
          fmt::format("; '{}=' does not count: field names are case-sensitive", id_lookalike->name);
    }
    add_txt_diagnostic(diagnostics, sts_record_code("missing-id"), record_number, 0,
                       std::move(message));
  }
  sort_txt_diagnostics(diagnostics);
  if (!has_errors(diagnostics)) {
    result.value = std::move(sts);
  }
  return result;
}

} // namespace

Checked<StsRecord> parse_sts_record(std::string_view record, Profile profile)
{
  return parse_sts_record_at(record, profile, 1);
}

Checked<StsRecord> select_sts_record(std::span<const std::string> rrs, Profile profile)
{
  return select_txt_record<StsRecord>(rrs, k_sts_kind,
                                      [profile](std::string_view record, std::uint32_t number) {
                                        return parse_sts_record_at(record, profile, number);
                                      });
}

std::string serialize_sts_record(const StsRecord& record)
{
  std::string text = fmt::format("{}; id={}", k_sts_version, record.id);
  for (const auto& extension : record.extensions) {
    text += fmt::format("; {}={}", extension.name, extension.value);
  }
  return text;
}

std::string next_sts_id(std::string_view previous_id, std::chrono::sys_seconds now)
{
  auto id = make_sts_id(now);
  for (int step = 0; step < 2 && id == previous_id; ++step) {
    now += std::chrono::seconds(1);
    id = make_sts_id(now);
  }
  if (id == previous_id) { // the clock is clamped at year 9999: change the last letter
    id.back() = id.back() == 'Z' ? 'Y' : 'Z';
  }
  return id;
}

std::string make_sts_id(std::chrono::sys_seconds now)
{
  using namespace std::chrono;
  constexpr sys_seconds k_earliest{sys_days{year{0} / January / 1}};
  constexpr sys_seconds k_latest{sys_days{year{9999} / December / 31} + hours{23} + minutes{59} +
                                 seconds{59}};
  const auto clamped = std::clamp(now, k_earliest, k_latest);
  const auto day = floor<days>(clamped);
  const year_month_day date{day};
  const hh_mm_ss time{clamped - day};
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     time.hours().count(), time.minutes().count(), time.seconds().count());
}

bool is_valid_sts_id(std::string_view id)
{
  return !id.empty() && id.size() <= k_max_sts_id_length &&
         std::ranges::all_of(id, util::is_ascii_alnum);
}

} // namespace mtasts::core
