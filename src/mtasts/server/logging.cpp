#include <mtasts/server/logging.hpp>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <cstdlib>
#include <memory>

namespace mtasts::server {

namespace {

constexpr std::array k_levels = {std::string_view("error"), std::string_view("warn"),
                                 std::string_view("info"),  std::string_view("debug"),
                                 std::string_view("trace"), std::string_view("off")};

spdlog::level::level_enum level_of(std::string_view name)
{
  if (name == "off") {
    return spdlog::level::off;
  }
  return spdlog::level::from_str(std::string(name));
}

int priority_of(spdlog::level::level_enum level)
{
  switch (level) {
  case spdlog::level::critical:
    return 2;
  case spdlog::level::err:
    return 3;
  case spdlog::level::warn:
    return 4;
  case spdlog::level::info:
    return 6;
  case spdlog::level::debug:
  case spdlog::level::trace:
  case spdlog::level::off:
  case spdlog::level::n_levels:
    break;
  }
  return 7;
}

// "%*": "<N>", the journald priority of the message's level.
class PriorityFlag final : public spdlog::custom_flag_formatter
{
public:
  void format(const spdlog::details::log_msg& message, const std::tm& /*time*/,
              spdlog::memory_buf_t& out) override
  {
    const char text[] = {'<', static_cast<char>('0' + priority_of(message.level)), '>'};
    out.append(text, text + sizeof(text));
  }
  std::unique_ptr<custom_flag_formatter> clone() const override
  {
    return std::make_unique<PriorityFlag>();
  }
};

} // namespace

bool is_log_level(std::string_view name)
{
  for (const auto level : k_levels) {
    if (level == name) {
      return true;
    }
  }
  return false;
}

int journald_priority(std::string_view level)
{
  return priority_of(level_of(level));
}

void setup_logging(std::string_view level)
{
  static bool installed = false;
  if (!installed) {
    auto logger = spdlog::stderr_logger_st("mtasts");
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    if (std::getenv("JOURNAL_STREAM") != nullptr) {
      formatter->add_flag<PriorityFlag>('*').set_pattern("%*%v");
    } else {
      formatter->set_pattern("%Y-%m-%dT%H:%M:%S%z %l %v");
    }
    logger->set_formatter(std::move(formatter));
    spdlog::set_default_logger(logger);
    installed = true;
  }
  spdlog::set_level(level_of(level));
}

} // namespace mtasts::server
