#include "core/voice_frame.hpp"

#include <cstring>

namespace voixer::core {

namespace {

bool fail(std::string* error, const char* why) {
  if (error) *error = why;
  return false;
}

bool check_opus(std::span<const std::uint8_t> opus, std::string* error) {
  if (opus.empty()) return fail(error, "voice frame has no Opus packet");
  if (opus.size() > kMaxOpusPacket) return fail(error, "Opus packet longer than 1275 bytes");
  return true;
}

}  // namespace

std::optional<ClientVoiceFrame> parse_client_voice(std::span<const std::uint8_t> b,
                                                   std::string* error) {
  if (b.size() < 3) return fail(error, "voice frame shorter than its header"), std::nullopt;
  if (b[0] != kClientVoiceTag) return fail(error, "not a client voice frame"), std::nullopt;
  ClientVoiceFrame f;
  f.seq = static_cast<std::uint16_t>((b[1] << 8) | b[2]);
  f.opus = b.subspan(3);
  if (!check_opus(f.opus, error)) return std::nullopt;
  return f;
}

std::optional<ServerVoiceFrame> parse_server_voice(std::span<const std::uint8_t> b,
                                                   std::string* error) {
  if (b.size() < 2 || b[0] != kServerVoiceTag)
    return fail(error, "not a server voice frame"), std::nullopt;
  std::size_t n = b[1];
  if (n == 0 || n > kMaxSpeakerBytes) return fail(error, "bad speaker length"), std::nullopt;
  if (b.size() < 2 + n + 2) return fail(error, "voice frame shorter than its header"), std::nullopt;
  ServerVoiceFrame f;
  f.speaker = std::string_view(reinterpret_cast<const char*>(b.data() + 2), n);
  f.seq = static_cast<std::uint16_t>((b[2 + n] << 8) | b[3 + n]);
  f.opus = b.subspan(4 + n);
  if (!check_opus(f.opus, error)) return std::nullopt;
  return f;
}

void write_client_voice(std::vector<std::uint8_t>& out, std::uint16_t seq,
                        std::span<const std::uint8_t> opus) {
  out.resize(3 + opus.size());
  out[0] = kClientVoiceTag;
  out[1] = static_cast<std::uint8_t>(seq >> 8);
  out[2] = static_cast<std::uint8_t>(seq & 0xFF);
  if (!opus.empty()) std::memcpy(out.data() + 3, opus.data(), opus.size());
}

std::size_t stamp_voice(std::span<const std::uint8_t> client_frame, std::string_view speaker,
                        std::span<std::uint8_t> out) {
  if (!parse_client_voice(client_frame)) return 0;
  if (speaker.empty() || speaker.size() > kMaxSpeakerBytes) return 0;
  std::size_t body = client_frame.size() - 1;  // seq + Opus, forwarded unchanged
  std::size_t total = 2 + speaker.size() + body;
  if (out.size() < total) return 0;
  out[0] = kServerVoiceTag;
  out[1] = static_cast<std::uint8_t>(speaker.size());
  std::memcpy(out.data() + 2, speaker.data(), speaker.size());
  std::memcpy(out.data() + 2 + speaker.size(), client_frame.data() + 1, body);
  return total;
}

std::int64_t opus_packet_duration_us(std::span<const std::uint8_t> opus) {
  if (opus.empty()) return 0;
  std::uint8_t toc = opus[0];
  int config = toc >> 3;
  std::int64_t frame_us;
  if (config < 12) {  // SILK: 10, 20, 40, 60 ms
    static constexpr std::int64_t kSilk[] = {10'000, 20'000, 40'000, 60'000};
    frame_us = kSilk[config & 3];
  } else if (config < 16) {  // hybrid: 10, 20 ms
    frame_us = (config & 1) ? 20'000 : 10'000;
  } else {  // CELT: 2.5, 5, 10, 20 ms
    static constexpr std::int64_t kCelt[] = {2'500, 5'000, 10'000, 20'000};
    frame_us = kCelt[config & 3];
  }
  int frames;
  switch (toc & 3) {
    case 0: frames = 1; break;
    case 1:
    case 2: frames = 2; break;
    default:
      if (opus.size() < 2) return 0;
      frames = opus[1] & 0x3F;
  }
  return frame_us * frames;
}

}  // namespace voixer::core
