#include <mtasts/cli/output.hpp>

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>

namespace mtasts::cli {

namespace {

util::Expected<std::string, std::string> read_stream(std::istream& stream, const std::string& name,
                                                     std::size_t max_bytes)
{
  std::string content;
  char buffer[65536];
  while (stream) {
    stream.read(buffer, sizeof buffer);
    const auto got = static_cast<std::size_t>(stream.gcount());
    if (content.size() + got > max_bytes) {
      return util::Unexpected(fmt::format("{}: larger than {} bytes, not read", name, max_bytes));
    }
    content.append(buffer, got);
  }
  if (stream.bad()) {
    return util::Unexpected(fmt::format("{}: read error", name));
  }
  return content;
}

} // namespace

util::Expected<std::string, std::string> read_input(const std::string& path, std::size_t max_bytes)
{
  if (path == "-") {
    return read_stream(std::cin, "standard input", max_bytes);
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return util::Unexpected(fmt::format("{}: {}", path, std::strerror(errno)));
  }
  return read_stream(file, path, max_bytes);
}

boost::json::object diagnostic_to_json(const core::Diagnostic& diagnostic, PositionStyle style)
{
  boost::json::object object;
  object["code"] = diagnostic.code;
  object["severity"] = core::severity_name(diagnostic.severity);
  switch (style) {
  case PositionStyle::line:
    object["line"] = diagnostic.where.line;
    object["column"] = diagnostic.where.column;
    break;
  case PositionStyle::record:
    object["record"] = diagnostic.where.record;
    object["column"] = diagnostic.where.column;
    break;
  case PositionStyle::field:
    object["field"] = diagnostic.where.field;
    if (diagnostic.where.line != 0) {
      object["line"] = diagnostic.where.line;
      object["column"] = diagnostic.where.column;
    }
    break;
  }
  object["message"] = diagnostic.message;
  return object;
}

void add_diagnostics(boost::json::object& target, const core::Diagnostics& diagnostics,
                     PositionStyle style)
{
  boost::json::array errors;
  boost::json::array warnings;
  for (const auto& diagnostic : diagnostics) {
    (diagnostic.severity == core::Severity::error ? errors : warnings)
        .push_back(diagnostic_to_json(diagnostic, style));
  }
  target["errors"] = std::move(errors);
  target["warnings"] = std::move(warnings);
}

void print_diagnostics(const Io& io, const core::Diagnostics& diagnostics, PositionStyle style,
                       std::string_view indent)
{
  for (const auto& diagnostic : diagnostics) {
    std::string where;
    const auto& position = diagnostic.where;
    switch (style) {
    case PositionStyle::line:
      if (position.line != 0) {
        where = fmt::format("line {}, column {}: ", position.line, position.column);
      }
      break;
    case PositionStyle::record:
      if (position.record != 0) {
        where = position.column != 0
                    ? fmt::format("record {}, column {}: ", position.record, position.column)
                    : fmt::format("record {}: ", position.record);
      }
      break;
    case PositionStyle::field:
      if (position.line != 0) {
        where = fmt::format("line {}, column {}: ", position.line, position.column);
      } else if (!position.field.empty() && !diagnostic.message.starts_with(position.field)) {
        where = fmt::format("{}: ", position.field);
      }
      break;
    }
    const bool error = diagnostic.severity == core::Severity::error;
    io.out << indent << where
           << paint(io, error ? Tone::bad : Tone::warn, error ? "error" : "warning") << " ["
           << diagnostic.code << "] " << diagnostic.message << '\n';
  }
}

void print_json(const Io& io, const boost::json::value& document)
{
  io.out << boost::json::serialize(document) << '\n';
}

std::string paint(const Io& io, Tone tone, std::string_view text)
{
  if (!io.color) {
    return std::string(text);
  }
  std::string_view code;
  switch (tone) {
  case Tone::good:
    code = "32";
    break;
  case Tone::bad:
    code = "1;31";
    break;
  case Tone::warn:
    code = "33";
    break;
  case Tone::dim:
    code = "2";
    break;
  case Tone::bold:
    code = "1";
    break;
  }
  return fmt::format("\033[{}m{}\033[0m", code, text);
}

int usage_error(const Io& io, bool json, std::string_view message, ErrorKind kind)
{
  if (json) {
    print_json(
        io, boost::json::object{
                {"error", boost::json::object{{"kind", kind == ErrorKind::usage ? "usage" : "io"},
                                              {"message", message}}}});
  } else {
    io.err << "mtasts: " << message << '\n';
  }
  return exit_usage;
}

} // namespace mtasts::cli
