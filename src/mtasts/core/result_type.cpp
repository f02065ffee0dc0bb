#include <mtasts/core/result_type.hpp>

#include <algorithm>
#include <array>

namespace mtasts::core {

namespace {

struct TypeEntry
{
  ResultType type;
  const CodeInfo& info;
  std::string_view category;
};

const std::array k_types = {
    TypeEntry{ResultType::starttls_not_supported, result_type_code("starttls-not-supported"),
              "negotiation"},
    TypeEntry{ResultType::certificate_host_mismatch, result_type_code("certificate-host-mismatch"),
              "negotiation"},
    TypeEntry{ResultType::certificate_expired, result_type_code("certificate-expired"),
              "negotiation"},
    TypeEntry{ResultType::certificate_not_trusted, result_type_code("certificate-not-trusted"),
              "negotiation"},
    TypeEntry{ResultType::validation_failure, result_type_code("validation-failure"),
              "negotiation"},
    TypeEntry{ResultType::tlsa_invalid, result_type_code("tlsa-invalid"), "dane"},
    TypeEntry{ResultType::dnssec_invalid, result_type_code("dnssec-invalid"), "dane"},
    TypeEntry{ResultType::dane_required, result_type_code("dane-required"), "dane"},
    TypeEntry{ResultType::sts_policy_fetch_error, result_type_code("sts-policy-fetch-error"),
              "sts"},
    TypeEntry{ResultType::sts_policy_invalid, result_type_code("sts-policy-invalid"), "sts"},
    TypeEntry{ResultType::sts_webpki_invalid, result_type_code("sts-webpki-invalid"), "sts"},
};

constexpr std::array k_all = {
    ResultType::starttls_not_supported, ResultType::certificate_host_mismatch,
    ResultType::certificate_expired,    ResultType::certificate_not_trusted,
    ResultType::validation_failure,     ResultType::tlsa_invalid,
    ResultType::dnssec_invalid,         ResultType::dane_required,
    ResultType::sts_policy_fetch_error, ResultType::sts_policy_invalid,
    ResultType::sts_webpki_invalid};

constexpr std::array<std::string_view, 3> k_policy_types = {"sts", "tlsa", "no-policy-found"};

const TypeEntry& entry(ResultType type)
{
  return k_types[static_cast<std::size_t>(type)];
}

} // namespace

std::string_view result_type_name(ResultType type)
{
  return entry(type).info.code;
}

std::optional<ResultType> parse_result_type(std::string_view name)
{
  for (const auto& candidate : k_types) {
    if (candidate.info.code == name) {
      return candidate.type;
    }
  }
  return std::nullopt;
}

std::string_view result_type_category(ResultType type)
{
  return entry(type).category;
}

const CodeInfo& result_type_info(ResultType type)
{
  return entry(type).info;
}

std::span<const ResultType> all_result_types()
{
  return k_all;
}

const CodeInfo* find_result_type(std::string_view name)
{
  const auto type = parse_result_type(name);
  return type ? &result_type_info(*type) : nullptr;
}

std::span<const std::string_view> known_policy_types()
{
  return k_policy_types;
}

bool is_known_policy_type(std::string_view name)
{
  return std::ranges::find(k_policy_types, name) != k_policy_types.end();
}

} // namespace mtasts::core
