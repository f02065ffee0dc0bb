#include <mtasts/cli/commands.hpp>
#include <mtasts/core/codes.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <fmt/format.h>

namespace mtasts::cli {

int codes(const CodesOptions& options, const Io& io)
{
  if (options.markdown) {
    io.out << core::codes_markdown();
    return exit_ok;
  }
  if (options.json) {
    boost::json::array list;
    for (const auto& info : core::all_codes()) {
      list.push_back(boost::json::object{{"family", core::family_name(info.family)},
                                         {"code", info.code},
                                         {"severity", core::severity_name(info.severity)},
                                         {"lenient_severity", core::severity_name(info.lenient)},
                                         {"meaning", info.meaning},
                                         {"fix", info.fix},
                                         {"rfc", info.rfc}});
    }
    print_json(io, boost::json::object{{"codes", std::move(list)}});
    return exit_ok;
  }
  std::string_view family;
  for (const auto& info : core::all_codes()) {
    const auto name = core::family_name(info.family);
    if (name != family) {
      io.out << (family.empty() ? "" : "\n") << paint(io, Tone::bold, name) << '\n';
      family = name;
    }
    const auto severity = info.severity == info.lenient
                              ? std::string(core::severity_name(info.severity))
                              : fmt::format("{}/{}", core::severity_name(info.severity),
                                            core::severity_name(info.lenient));
    io.out << fmt::format("  {:<38} {:<15} {}\n", info.code, severity, info.meaning);
    io.out << fmt::format("  {:<38} {:<15} fix: {}{}\n", "", "", info.fix,
                          info.rfc.empty() ? std::string() : fmt::format(" ({})", info.rfc));
  }
  return exit_ok;
}

} // namespace mtasts::cli
