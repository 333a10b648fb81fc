// Cryptographic randomness (libsodium) for session keys and ping tokens.
#pragma once

#include "core/server.hpp"

namespace voixer::net {

// A RandomSource backed by libsodium's randombytes_buf (getrandom(2) on
// Linux). Initialises libsodium on first use; throws if that fails.
core::RandomSource secure_random();

}  // namespace voixer::net
