#include "net/random.hpp"

#include <sodium.h>

#include <stdexcept>

namespace voixer::net {

core::RandomSource secure_random() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  return [](std::span<std::uint8_t> out) { randombytes_buf(out.data(), out.size()); };
}

}  // namespace voixer::net
