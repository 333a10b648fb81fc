// Fuzz target: the sealed connection's bytes as a stranger sends them. The
// first byte picks the side: even, a server receiving the input as a
// client's hello, header and records; odd, a client receiving it as a
// server's hello. Neither may crash or open anything it should not: before
// a valid handshake no plain bytes come out.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/sealed_stream.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace voixer::core;
  if (size == 0) return 0;
  static const Identity identity = Identity::generate();
  std::span<const std::uint8_t> bytes(data + 1, size - 1);
  std::string plain, out, error;
  if (data[0] % 2 == 0) {
    SealedServerSide server(identity);
    // In two pieces, as TCP may deliver it.
    std::size_t cut = bytes.size() / 2;
    if (server.receive(bytes.first(cut), plain, out, error))
      server.receive(bytes.subspan(cut), plain, out, error);
    // Random bytes cannot make records that open under fresh keys.
    if (!plain.empty()) std::abort();
  } else {
    SealedClientSide client;
    if (client.receive(bytes, plain, error) && client.server_key()) {
      // Only a hello signed by the key it shows gets here; random input
      // cannot forge one.
      std::abort();
    }
    if (!plain.empty()) std::abort();
  }
  return 0;
}
