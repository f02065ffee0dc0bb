#include <mtasts/cli/commands.hpp>
#include <mtasts/core/sts_record.hpp>
#include <mtasts/core/tlsrpt_record.hpp>

#include <boost/json.hpp>
#include <fmt/format.h>

namespace mtasts::cli {

namespace {

boost::json::array extensions_to_json(const std::vector<core::TxtExtension>& extensions)
{
  boost::json::array array;
  for (const auto& extension : extensions) {
    array.push_back(boost::json::object{{"name", extension.name}, {"value", extension.value}});
  }
  return array;
}

void print_header(const Io& io, std::string_view what, std::size_t records, bool ok)
{
  io.out << fmt::format("{} record set ({} record{}): ", what, records, records == 1 ? "" : "s")
         << (ok ? paint(io, Tone::good, "valid") : paint(io, Tone::bad, "invalid")) << '\n';
}

} // namespace

int record_sts(const RecordOptions& options, const Io& io)
{
  const auto result = core::select_sts_record(options.records, options.profile);
  if (options.json) {
    boost::json::object document;
    document["profile"] = core::profile_name(options.profile);
    document["valid"] = result.ok();
    add_diagnostics(document, result.diagnostics, PositionStyle::record);
    document["id"] = result.ok() ? boost::json::value(result.value->id) : nullptr;
    document["extensions"] =
        result.ok() ? boost::json::value(extensions_to_json(result.value->extensions)) : nullptr;
    print_json(io, document);
  } else {
    print_header(io, "_mta-sts", options.records.size(), result.ok());
    print_diagnostics(io, result.diagnostics, PositionStyle::record);
    if (result.ok()) {
      io.out << "  id " << result.value->id << '\n';
      for (const auto& extension : result.value->extensions) {
        io.out << "  extension " << extension.name << '=' << extension.value << " (ignored)\n";
      }
    } else {
      io.out << "  senders see no MTA-STS policy for this domain\n";
    }
  }
  return result.ok() ? exit_ok : exit_problem;
}

int record_tlsrpt(const RecordOptions& options, const Io& io)
{
  const auto result = core::select_tlsrpt_record(options.records, options.profile);
  if (options.json) {
    boost::json::object document;
    document["profile"] = core::profile_name(options.profile);
    document["valid"] = result.ok();
    add_diagnostics(document, result.diagnostics, PositionStyle::record);
    if (result.ok()) {
      boost::json::array rua;
      for (const auto& uri : result.value->rua) {
        rua.emplace_back(uri);
      }
      document["rua"] = std::move(rua);
      document["extensions"] = extensions_to_json(result.value->extensions);
    } else {
      document["rua"] = nullptr;
      document["extensions"] = nullptr;
    }
    print_json(io, document);
  } else {
    print_header(io, "_smtp._tls", options.records.size(), result.ok());
    print_diagnostics(io, result.diagnostics, PositionStyle::record);
    if (result.ok()) {
      for (const auto& uri : result.value->rua) {
        io.out << "  reports go to " << uri << '\n';
      }
    } else {
      io.out << "  senders send no TLS reports for this domain\n";
    }
  }
  return result.ok() ? exit_ok : exit_problem;
}

} // namespace mtasts::cli
