#include <mtasts/core/cert_identity.hpp>
#include <mtasts/util/host_port.hpp>
#include <mtasts/util/strings.hpp>

#include <cstddef>
#include <vector>

namespace mtasts::core {

namespace {

constexpr std::size_t k_max_name_length = 253;
constexpr std::size_t k_max_label_length = 63;
constexpr std::string_view k_wildcard_prefix = "*.";

std::string_view without_root_dot(std::string_view name)
{
  if (!name.empty() && name.back() == '.') {
    name.remove_suffix(1);
  }
  return name;
}

// RFC 5890 §2.3.1 LDH label (RFC 1034 §3.5 preferred name syntax as relaxed by RFC 1123 §2.1).
bool is_ldh_label(std::string_view label)
{
  if (label.empty() || label.size() > k_max_label_length) {
    return false;
  }
  for (const char c : label) {
    if (!util::is_ascii_alnum(c) && c != '-') {
      return false;
    }
  }
  return label.front() != '-' && label.back() != '-';
}

bool is_all_digits(std::string_view label)
{
  for (const char c : label) {
    if (!util::is_ascii_digit(c)) {
      return false;
    }
  }
  return !label.empty();
}

// A host name (without its root dot) made of LDH labels whose right-most label is not numeric.
// Stores the labels (left to right) in `labels`; false when the name is not such a host name.
bool split_host_name(std::string_view name, std::vector<std::string_view>& labels)
{
  if (name.empty() || name.size() > k_max_name_length) {
    return false;
  }
  labels = util::split(name, '.');
  for (const auto label : labels) {
    if (!is_ldh_label(label)) {
      return false;
    }
  }
  return !is_all_digits(labels.back());
}

} // namespace

bool dns_id_matches(std::string_view presented_dns_id, std::string_view reference_host)
{
  std::vector<std::string_view> reference;
  if (!split_host_name(without_root_dot(reference_host), reference)) {
    return false;
  }

  std::string_view presented = without_root_dot(presented_dns_id);
  if (presented.size() > k_max_name_length) {
    return false;
  }
  const bool wildcard = presented.starts_with(k_wildcard_prefix);
  if (wildcard) {
    presented.remove_prefix(k_wildcard_prefix.size());
  }
  std::vector<std::string_view> base;
  if (!split_host_name(presented, base)) {
    return false; // also catches "*" elsewhere, partial wildcards and "*.*.example.com"
  }

  std::size_t first_compared = 0;
  if (wildcard) {
    if (base.size() < 2) {
      return false; // "*.com": a wildcard over a top-level domain
    }
    first_compared = 1; // the wildcard stands for reference[0], a non-empty LDH label
  }
  if (reference.size() != base.size() + first_compared) {
    return false;
  }
  for (std::size_t i = 0; i < base.size(); ++i) {
    if (!util::iequals_ascii(base[i], reference[i + first_compared])) {
      return false;
    }
  }
  return true;
}

IdentityResult match_certificate_identity(std::span<const std::string> san_dns_names,
                                          std::string_view reference_host)
{
  for (const auto& name : san_dns_names) {
    if (dns_id_matches(name, reference_host)) {
      return IdentityResult{true, name};
    }
  }
  return IdentityResult{};
}

IdentityResult match_ip_identity(std::span<const std::string> san_ip_addresses,
                                 std::string_view reference_ip)
{
  const auto reference = util::canonical_ip(reference_ip);
  if (!reference) {
    return {};
  }
  for (const auto& presented : san_ip_addresses) {
    if (util::canonical_ip(presented) == reference) {
      return IdentityResult{true, presented};
    }
  }
  return {};
}

} // namespace mtasts::core
