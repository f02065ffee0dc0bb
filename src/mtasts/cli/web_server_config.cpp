#include <mtasts/cli/web_server_config.hpp>

#include <fmt/format.h>

namespace mtasts::cli {

namespace {

// nginx quoted string: the body with CR and LF as nginx's \r and \n escapes.
std::string nginx_string(std::string_view body)
{
  std::string out = "\"";
  for (const char c : body) {
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' || c == '\\') {
      out += std::string("\\") + c;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

} // namespace

bool is_web_server(std::string_view name)
{
  return name == "nginx" || name == "apache" || name == "caddy";
}

std::string web_server_config(std::string_view server, const WebServerConfigInput& input,
                              std::string_view policy_file)
{
  const std::string host = "mta-sts." + input.domain;
  if (server == "nginx") {
    return fmt::format(
        "# nginx: the MTA-STS policy host for {domain} (RFC 8461 section 3.3): only\n"
        "# /.well-known/mta-sts.txt, over HTTPS, 404 elsewhere, no redirect.\n"
        "server {{\n"
        "    listen 443 ssl;\n"
        "    listen [::]:443 ssl;\n"
        "    server_name {host};\n"
        "    ssl_certificate     {certificate};\n"
        "    ssl_certificate_key {key};\n"
        "    ssl_protocols TLSv1.2 TLSv1.3;\n"
        "    location = /.well-known/mta-sts.txt {{\n"
        "        default_type text/plain;\n"
        "        add_header Cache-Control \"max-age=300\" always;\n"
        "        return 200 {body};\n"
        "    }}\n"
        "    location / {{\n"
        "        return 404;\n"
        "    }}\n"
        "}}\n",
        fmt::arg("domain", input.domain), fmt::arg("host", host),
        fmt::arg("certificate", input.certificate), fmt::arg("key", input.key),
        fmt::arg("body", nginx_string(input.policy)));
  }
  if (server == "caddy") {
    // A Caddyfile backtick string, with LF line ends (RFC 8461 erratum 6253 allows them; the
    // Caddyfile lexer does not keep a CR).
    std::string body = input.policy;
    std::erase(body, '\r');
    return fmt::format("# Caddy: the MTA-STS policy host for {domain} (RFC 8461 section 3.3): "
                       "only\n"
                       "# /.well-known/mta-sts.txt, over HTTPS, 404 elsewhere. The tls line uses "
                       "your certificate;\n"
                       "# remove it to let Caddy obtain one itself.\n"
                       "{host} {{\n"
                       "    tls {certificate} {key}\n"
                       "    @policy path /.well-known/mta-sts.txt\n"
                       "    handle @policy {{\n"
                       "        header Content-Type text/plain\n"
                       "        header Cache-Control \"max-age=300\"\n"
                       "        respond `{body}` 200\n"
                       "    }}\n"
                       "    handle {{\n"
                       "        respond \"not found\" 404\n"
                       "    }}\n"
                       "}}\n",
                       fmt::arg("domain", input.domain), fmt::arg("host", host),
                       fmt::arg("certificate", input.certificate), fmt::arg("key", input.key),
                       fmt::arg("body", body));
  }
  return fmt::format(
      "# Apache (a2enmod ssl headers alias): the MTA-STS policy host for {domain} (RFC 8461\n"
      "# section 3.3): only /.well-known/mta-sts.txt, over HTTPS, 404 elsewhere, no redirect.\n"
      "# Write the policy file first: mtasts policy new ... --policy-only > {file}\n"
      "<VirtualHost *:443>\n"
      "    ServerName {host}\n"
      "    SSLEngine on\n"
      "    SSLCertificateFile {certificate}\n"
      "    SSLCertificateKeyFile {key}\n"
      "    Alias /.well-known/mta-sts.txt {file}\n"
      "    <Location \"/.well-known/mta-sts.txt\">\n"
      "        ForceType text/plain\n"
      "        Header set Cache-Control \"max-age=300\"\n"
      "        Require all granted\n"
      "    </Location>\n"
      "    RedirectMatch 404 \"^/(?!\\.well-known/mta-sts\\.txt$)\"\n"
      "</VirtualHost>\n",
      fmt::arg("domain", input.domain), fmt::arg("host", host),
      fmt::arg("certificate", input.certificate), fmt::arg("key", input.key),
      fmt::arg("file", policy_file));
}

} // namespace mtasts::cli
