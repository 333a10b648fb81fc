// A server's long-term identity: an Ed25519 key pair (libsodium). Clients
// pin its public key per server address on first use, like SSH's
// known_hosts, and a person compares it by its fingerprint: five words
// ("otter-prism-canal-robin-frost"), short enough to read aloud across a
// LAN party hall. docs/security.md, "Server identity".
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace voixer::core {

using PublicKey = std::array<std::uint8_t, 32>;

struct Identity {
  PublicKey public_key{};
  std::array<std::uint8_t, 64> secret_key{};  // libsodium's form: seed and public key

  static Identity generate();
  // The text kept in the data directory: the secret key in 128 hex digits.
  std::string to_text() const;
  // Reads to_text()'s form; nullopt and `error` set when it is not one.
  static std::optional<Identity> from_text(std::string_view text, std::string* error = nullptr);
};

// Lower-case hex, and back (nullopt unless exactly 64 hex digits).
std::string key_hex(const PublicKey& key);
std::optional<PublicKey> key_from_hex(std::string_view hex);

// Five words from the key's hash: what a person compares.
std::string fingerprint_words(const PublicKey& key);

// Makes sure libsodium is initialised; throws std::runtime_error if not.
void ensure_sodium();

}  // namespace voixer::core
