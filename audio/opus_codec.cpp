// libopus behind RAII wrappers: settings applied once at construction,
// errors turned into exceptions (setup) or -1 (decoding untrusted packets).
#include "audio/opus_codec.hpp"

#include <opus.h>

#include <algorithm>
#include <climits>
#include <stdexcept>
#include <string>

namespace voixer::audio {

namespace {

constexpr opus_int32 kSampleRate = 48000;
constexpr int kChannels = 1;

void check(int rc, const char* what) {
  if (rc != OPUS_OK) throw std::runtime_error(std::string(what) + ": " + opus_strerror(rc));
}

// Packets come from the network: a length beyond int cannot be a real packet.
bool fits_int(std::size_t len) { return len <= static_cast<std::size_t>(INT_MAX); }

}  // namespace

void Encoder::Deleter::operator()(OpusEncoder* e) const { opus_encoder_destroy(e); }
void Decoder::Deleter::operator()(OpusDecoder* d) const { opus_decoder_destroy(d); }

Encoder::Encoder(const EncoderSettings& s) {
  if (s.frame_ms != 10 && s.frame_ms != 20 && s.frame_ms != 40 && s.frame_ms != 60)
    throw std::invalid_argument("Opus frame must be 10, 20, 40 or 60 ms, not " +
                                std::to_string(s.frame_ms));
  m_frame_samples = static_cast<int>(kSampleRate / 1000 * s.frame_ms);
  int err = OPUS_OK;
  // VOIP unless low delay is asked for: only VOIP uses SILK, and only SILK
  // has in-band FEC.
  const int application = s.low_delay ? OPUS_APPLICATION_RESTRICTED_LOWDELAY : OPUS_APPLICATION_VOIP;
  m_enc.reset(opus_encoder_create(kSampleRate, kChannels, application, &err));
  if (!m_enc) check(err == OPUS_OK ? OPUS_ALLOC_FAIL : err, "opus_encoder_create");
  if (!s.low_delay)  // CELT has no use for the hint
    check(opus_encoder_ctl(m_enc.get(), OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE)), "OPUS_SET_SIGNAL");
  check(opus_encoder_ctl(m_enc.get(), OPUS_SET_COMPLEXITY(s.complexity)), "OPUS_SET_COMPLEXITY");
  check(opus_encoder_ctl(m_enc.get(), OPUS_SET_INBAND_FEC(s.fec ? 1 : 0)), "OPUS_SET_INBAND_FEC");
  check(opus_encoder_ctl(m_enc.get(), OPUS_SET_DTX(s.dtx ? 1 : 0)), "OPUS_SET_DTX");
  set_expected_loss(s.expected_loss_percent);
  set_bitrate(s.bitrate);
}

std::size_t Encoder::encode(const std::int16_t* pcm, std::uint8_t* out, std::size_t out_capacity) {
  const auto capacity = static_cast<opus_int32>(std::min<std::size_t>(out_capacity, INT_MAX));
  const opus_int32 n = opus_encode(m_enc.get(), pcm, m_frame_samples, out, capacity);
  if (n < 0) throw std::runtime_error(std::string("opus_encode: ") + opus_strerror(n));
  return static_cast<std::size_t>(n);
}

void Encoder::set_expected_loss(int percent) {
  check(opus_encoder_ctl(m_enc.get(), OPUS_SET_PACKET_LOSS_PERC(std::clamp(percent, 0, 100))),
        "OPUS_SET_PACKET_LOSS_PERC");
}

int Encoder::expected_loss() const {
  opus_int32 percent = 0;
  check(opus_encoder_ctl(m_enc.get(), OPUS_GET_PACKET_LOSS_PERC(&percent)),
        "OPUS_GET_PACKET_LOSS_PERC");
  return percent;
}

void Encoder::set_bitrate(int bits_per_second) {
  check(opus_encoder_ctl(m_enc.get(), OPUS_SET_BITRATE(bits_per_second)), "OPUS_SET_BITRATE");
}

int Encoder::lookahead_samples() const {
  opus_int32 lookahead = 0;
  check(opus_encoder_ctl(m_enc.get(), OPUS_GET_LOOKAHEAD(&lookahead)), "OPUS_GET_LOOKAHEAD");
  return lookahead;
}

Decoder::Decoder() {
  int err = OPUS_OK;
  m_dec.reset(opus_decoder_create(kSampleRate, kChannels, &err));
  if (!m_dec) check(err == OPUS_OK ? OPUS_ALLOC_FAIL : err, "opus_decoder_create");
}

int Decoder::decode(const std::uint8_t* data, std::size_t len, std::int16_t* pcm,
                    int frame_samples) {
  if (data == nullptr || len == 0) return conceal(pcm, frame_samples);
  if (!fits_int(len) || frame_samples <= 0) return -1;
  const int n = opus_decode(m_dec.get(), data, static_cast<opus_int32>(len), pcm, frame_samples, 0);
  return n < 0 ? -1 : n;
}

int Decoder::decode_fec(const std::uint8_t* next_packet, std::size_t len, std::int16_t* pcm,
                        int frame_samples) {
  if (next_packet == nullptr || len == 0) return conceal(pcm, frame_samples);
  if (!fits_int(len) || frame_samples <= 0) return -1;
  const int n =
      opus_decode(m_dec.get(), next_packet, static_cast<opus_int32>(len), pcm, frame_samples, 1);
  return n < 0 ? -1 : n;
}

int Decoder::conceal(std::int16_t* pcm, int frame_samples) {
  if (frame_samples <= 0) return -1;
  const int n = opus_decode(m_dec.get(), nullptr, 0, pcm, frame_samples, 0);
  return n < 0 ? -1 : n;
}

int Decoder::packet_samples(const std::uint8_t* data, std::size_t len) {
  if (data == nullptr || len == 0 || !fits_int(len)) return -1;
  const int n = opus_packet_get_nb_samples(data, static_cast<opus_int32>(len), kSampleRate);
  return n < 0 ? -1 : n;
}

}  // namespace voixer::audio
