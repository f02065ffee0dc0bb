// Daemon logging: spdlog to standard error. Under systemd (JOURNAL_STREAM set) every line starts
// with its syslog priority as journald reads it ("<3>" error, "<4>" warning, "<6>" info, "<7>"
// debug, sd-daemon(3)) and carries no timestamp (journald adds its own); otherwise lines are
// "<RFC 3339 time> <level> <message>".
#pragma once

#include <optional>
#include <string_view>

namespace mtasts::server {

// The levels a configuration may name: "error", "warn", "info", "debug", "trace", "off".
bool is_log_level(std::string_view name);

// Installs the logger once (the format follows the environment at the first call) and sets
// the level; later calls change the level only.
void setup_logging(std::string_view level);

// The syslog priority journald reads for an spdlog level name ("warn" -> 4).
int journald_priority(std::string_view level);

} // namespace mtasts::server
