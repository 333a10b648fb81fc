// "host[:port]" as typed by a user: "192.168.1.20", "lanbox:9000",
// "[::1]:8649", "::1".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace voixer::core {

// The port a server listens on unless told otherwise: TCP for the text
// protocol and UDP for voice, the same number.
inline constexpr std::uint16_t kDefaultPort = 8649;

struct HostPort {
  std::string host;
  std::uint16_t port = 0;
  std::string error;  // non-empty when the text could not be understood
};

// A port number as typed: 1..65535, digits only; nullopt otherwise.
std::optional<std::uint16_t> parse_port(std::string_view text);

HostPort parse_host_port(std::string_view text, std::uint16_t default_port);

}  // namespace voixer::core
