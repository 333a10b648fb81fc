#include "core/voice_seal.hpp"

#include <sodium.h>

#include <cstring>

#include "core/identity.hpp"

namespace voixer::core {

namespace {

constexpr char kKdfContext[crypto_kdf_CONTEXTBYTES] = {'v', 'x', 'v', 'o', 'i', 'c', 'e', '1'};
constexpr std::string_view kMasterLabel = "voixer voice keys v1";
constexpr std::size_t kMacBytes = crypto_aead_chacha20poly1305_ietf_ABYTES;
static_assert(kVoiceSealOverhead == 1 + 4 + kMacBytes);
constexpr std::size_t kHeader = 1 + 4;  // tag and counter, authenticated
static_assert(crypto_aead_chacha20poly1305_ietf_NPUBBYTES == 12);

void nonce_for(VoiceDirection direction, std::uint32_t counter, std::uint8_t nonce[12]) {
  std::memset(nonce, 0, 12);
  nonce[0] = static_cast<std::uint8_t>(direction);
  for (int i = 0; i < 4; ++i) nonce[8 + i] = static_cast<std::uint8_t>(counter >> (24 - 8 * i));
}

std::uint8_t tag_for(VoiceDirection direction) {
  return direction == VoiceDirection::ToServer ? kSealedClientVoiceTag : kSealedServerVoiceTag;
}

}  // namespace

VoiceKeys derive_voice_keys(std::string_view session_key) {
  ensure_sodium();
  std::array<std::uint8_t, crypto_kdf_KEYBYTES> master{};
  crypto_generichash(master.data(), master.size(),
                     reinterpret_cast<const std::uint8_t*>(session_key.data()), session_key.size(),
                     reinterpret_cast<const std::uint8_t*>(kMasterLabel.data()), kMasterLabel.size());
  VoiceKeys keys;
  crypto_kdf_derive_from_key(keys.seal.data(), keys.seal.size(), 1, kKdfContext, master.data());
  crypto_kdf_derive_from_key(keys.auth.data(), keys.auth.size(), 2, kKdfContext, master.data());
  std::array<std::uint8_t, 16> id{};  // the KDF's smallest output; 8 bytes are shown
  crypto_kdf_derive_from_key(id.data(), id.size(), 3, kKdfContext, master.data());
  char hex[17];
  sodium_bin2hex(hex, sizeof hex, id.data(), 8);
  keys.id = hex;
  sodium_memzero(master.data(), master.size());
  return keys;
}

std::string voice_proof(const VoiceKeys& keys, std::span<const std::uint8_t> challenge) {
  std::array<std::uint8_t, crypto_auth_BYTES> mac{};
  crypto_auth(mac.data(), challenge.data(), challenge.size(), keys.auth.data());
  char hex[crypto_auth_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, mac.data(), mac.size());
  return hex;
}

bool check_voice_proof(const VoiceKeys& keys, std::span<const std::uint8_t> challenge,
                       std::string_view proof) {
  std::array<std::uint8_t, crypto_auth_BYTES> mac{};
  std::size_t n = 0;
  if (proof.size() != mac.size() * 2 ||
      sodium_hex2bin(mac.data(), mac.size(), proof.data(), proof.size(), nullptr, &n, nullptr) != 0 ||
      n != mac.size())
    return false;
  return crypto_auth_verify(mac.data(), challenge.data(), challenge.size(), keys.auth.data()) == 0;
}

std::size_t seal_voice(const VoiceKeys& keys, VoiceDirection direction, std::uint32_t counter,
                       std::span<const std::uint8_t> plain, std::span<std::uint8_t> out) {
  if (out.size() < plain.size() + kVoiceSealOverhead) return 0;
  out[0] = tag_for(direction);
  for (int i = 0; i < 4; ++i) out[1 + i] = static_cast<std::uint8_t>(counter >> (24 - 8 * i));
  std::uint8_t nonce[12];
  nonce_for(direction, counter, nonce);
  unsigned long long n = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt(out.data() + kHeader, &n, plain.data(), plain.size(),
                                            out.data(), kHeader, nullptr, nonce, keys.seal.data());
  return kHeader + static_cast<std::size_t>(n);
}

std::optional<OpenedVoice> open_voice(const VoiceKeys& keys, VoiceDirection direction,
                                      std::span<const std::uint8_t> sealed,
                                      std::span<std::uint8_t> out) {
  if (sealed.size() < kVoiceSealOverhead || sealed[0] != tag_for(direction) ||
      out.size() < sealed.size())
    return std::nullopt;
  std::uint32_t counter = 0;
  for (int i = 0; i < 4; ++i) counter = (counter << 8) | sealed[1 + i];
  std::uint8_t nonce[12];
  nonce_for(direction, counter, nonce);
  unsigned long long n = 0;
  if (crypto_aead_chacha20poly1305_ietf_decrypt(out.data(), &n, nullptr, sealed.data() + kHeader,
                                                sealed.size() - kHeader, sealed.data(), kHeader,
                                                nonce, keys.seal.data()) != 0)
    return std::nullopt;
  return OpenedVoice{counter, static_cast<std::size_t>(n)};
}

bool ReplayWindow::fresh(std::uint64_t counter) const {
  if (!m_any || counter > m_newest) return true;
  std::uint64_t age = m_newest - counter;
  if (age >= 64) return false;
  return (m_seen & (std::uint64_t{1} << age)) == 0;
}

void ReplayWindow::mark(std::uint64_t counter) {
  if (!m_any) {
    m_any = true;
    m_newest = counter;
    m_seen = 1;
    return;
  }
  if (counter > m_newest) {
    std::uint64_t shift = counter - m_newest;
    m_seen = shift >= 64 ? 0 : m_seen << shift;
    m_seen |= 1;
    m_newest = counter;
  } else if (m_newest - counter < 64) {
    m_seen |= std::uint64_t{1} << (m_newest - counter);
  }
}

}  // namespace voixer::core
