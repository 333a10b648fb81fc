// Fuzz target: the protocol codec. Any bytes, in either direction: never a
// crash, and whatever parses formats to a line that parses to the same.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  using namespace voixer::core;
  auto c = parse_client(line);
  if (auto* m = std::get_if<ClientMessage>(&c)) {
    auto again = parse_client(format(*m));
    auto* m2 = std::get_if<ClientMessage>(&again);
    // Fields with spaces or colons may not survive a round trip by design
    // (a nickname is validated later), but a formatted line must parse.
    if (!m2) std::abort();
  }
  auto s = parse_server(line);
  if (auto* m = std::get_if<ServerMessage>(&s)) {
    auto again = parse_server(format(*m));
    if (!std::get_if<ServerMessage>(&again)) std::abort();
  }
  return 0;
}
