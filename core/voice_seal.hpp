// Sealed voice: every ENet voice frame of a member whose text connection is
// sealed travels in an AEAD (ChaCha20-Poly1305, libsodium) under a key of
// that member's own, with a counter nonce and a replay window. The server
// opens each frame and seals it again for each recipient under theirs: it
// relays, it does not mix, and it is trusted (no end-to-end claim).
//
//   client -> server  [0x03][counter: u32 big-endian][sealed client frame]
//   server -> client  [0x04][counter: u32 big-endian][sealed server frame]
//
// 21 bytes more per frame (8 kbit/s at 50 frames a second); a 32-bit
// counter lasts 2.7 years of talking on one binding.
//
// The keys come from the member's session key, which only the sealed text
// connection carries. Binding a voice peer proves the key with a MAC over a
// challenge the server sent on that peer (TALKPROOF), so what crosses UDP
// never lets anyone else bind. docs/protocol.md, "Sealed voice".
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace voixer::core {

inline constexpr std::uint8_t kSealedClientVoiceTag = 0x03;
inline constexpr std::uint8_t kSealedServerVoiceTag = 0x04;
inline constexpr std::size_t kVoiceSealOverhead = 1 + 4 + 16;
inline constexpr std::size_t kVoiceChallengeBytes = 16;

struct VoiceKeys {
  std::array<std::uint8_t, 32> seal{};  // the AEAD key, both ways (the nonce says which)
  std::array<std::uint8_t, 32> auth{};  // proves the key when binding
  std::string id;                       // 16 hex digits: names the key on the voice connection
};

VoiceKeys derive_voice_keys(std::string_view session_key);

// TALKPROOF's proof: 64 hex digits, a MAC of the challenge under `auth`.
std::string voice_proof(const VoiceKeys& keys, std::span<const std::uint8_t> challenge);
bool check_voice_proof(const VoiceKeys& keys, std::span<const std::uint8_t> challenge,
                       std::string_view proof);

enum class VoiceDirection : std::uint8_t { ToServer = 0, ToClient = 1 };

// Seals `plain` into `out` (at least plain.size() + kVoiceSealOverhead
// bytes); returns the length written.
std::size_t seal_voice(const VoiceKeys& keys, VoiceDirection direction, std::uint32_t counter,
                       std::span<const std::uint8_t> plain, std::span<std::uint8_t> out);

struct OpenedVoice {
  std::uint32_t counter = 0;
  std::size_t length = 0;  // of the plain frame written to `out`
};
// Opens a sealed frame into `out` (at least sealed.size() bytes); nullopt
// when it is not one, or does not open under `keys`.
std::optional<OpenedVoice> open_voice(const VoiceKeys& keys, VoiceDirection direction,
                                      std::span<const std::uint8_t> sealed,
                                      std::span<std::uint8_t> out);

// Which counters have been seen: the newest, and the 64 before it. A
// counter seen before, or older than the window, is a replay (or too late
// for the jitter buffer anyway).
class ReplayWindow {
 public:
  bool fresh(std::uint64_t counter) const;
  void mark(std::uint64_t counter);  // after the frame opened

 private:
  std::uint64_t m_newest = 0;
  std::uint64_t m_seen = 0;  // bit i: m_newest - i was seen
  bool m_any = false;
};

}  // namespace voixer::core
