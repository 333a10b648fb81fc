// The bytes of a voice frame on the ENet unreliable channel (1).
//
//   client -> server   [0x01][seq: u16 big-endian][Opus packet]
//   server -> client   [0x02][n: u8][speaker: n bytes][seq: u16 big-endian][Opus packet]
//
// The client never names itself: the server stamps the speaker from the
// peer's binding (TALKSESSION) and forwards the sequence number and the Opus
// packet unchanged. docs/protocol.md, section "Voice", has the same table.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace voixer::core {

inline constexpr std::uint8_t kClientVoiceTag = 0x01;
inline constexpr std::uint8_t kServerVoiceTag = 0x02;
inline constexpr std::size_t kMaxOpusPacket = 1275;  // RFC 6716's largest frame
inline constexpr std::size_t kMaxSpeakerBytes = 32;
inline constexpr std::size_t kMaxServerVoiceFrame = 1 + 1 + kMaxSpeakerBytes + 2 + kMaxOpusPacket;

struct ClientVoiceFrame {
  std::uint16_t seq = 0;
  std::span<const std::uint8_t> opus;
};

struct ServerVoiceFrame {
  std::string_view speaker;
  std::uint16_t seq = 0;
  std::span<const std::uint8_t> opus;
};

// Parse; on failure return nullopt and, if `error` is given, say why.
std::optional<ClientVoiceFrame> parse_client_voice(std::span<const std::uint8_t> bytes,
                                                   std::string* error = nullptr);
std::optional<ServerVoiceFrame> parse_server_voice(std::span<const std::uint8_t> bytes,
                                                   std::string* error = nullptr);

// Write a client frame into `out` (resized to fit).
void write_client_voice(std::vector<std::uint8_t>& out, std::uint16_t seq,
                        std::span<const std::uint8_t> opus);

// The audio time an Opus packet carries, read from its TOC byte (RFC 6716
// section 3.1), in microseconds; 0 when the packet is too short to say.
std::int64_t opus_packet_duration_us(std::span<const std::uint8_t> opus);

// The server's forwarding step: a valid client frame becomes a server frame
// stamped with `speaker`. Writes into `out` (at least kMaxServerVoiceFrame
// bytes) and returns the length, or 0 when the input is not a valid frame.
std::size_t stamp_voice(std::span<const std::uint8_t> client_frame, std::string_view speaker,
                        std::span<std::uint8_t> out);

}  // namespace voixer::core
