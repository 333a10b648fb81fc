#include "core/address.hpp"

#include <charconv>

namespace voixer::core {

std::optional<std::uint16_t> parse_port(std::string_view s) {
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || value == 0 || value > 65535)
    return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

HostPort parse_host_port(std::string_view text, std::uint16_t default_port) {
  HostPort r;
  r.port = default_port;
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty()) {
    r.error = "address is empty";
    return r;
  }
  std::string_view host = text, port;
  if (text.front() == '[') {  // [v6]:port
    auto close = text.find(']');
    if (close == std::string_view::npos) {
      r.error = "missing ']' in address";
      return r;
    }
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        r.error = "unexpected text after ']'";
        return r;
      }
      port = rest.substr(1);
      if (port.empty()) {
        r.error = "port is empty";
        return r;
      }
    }
  } else if (auto colon = text.find(':'); colon != std::string_view::npos &&
                                          text.find(':', colon + 1) == std::string_view::npos) {
    host = text.substr(0, colon);  // one colon: host:port; more: bare IPv6
    port = text.substr(colon + 1);
    if (port.empty()) {
      r.error = "port is empty";
      return r;
    }
  }
  if (host.empty() || host.find(' ') != std::string_view::npos) {
    r.error = "host is empty or contains spaces";
    return r;
  }
  if (!port.empty()) {
    auto number = parse_port(port);
    if (!number) {
      r.error = "port must be a number from 1 to 65535";
      return r;
    }
    r.port = *number;
  }
  r.host = std::string(host);
  return r;
}

}  // namespace voixer::core
