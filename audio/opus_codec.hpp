// The voice codec: Opus at 48 kHz mono, tuned for speech over a lossy LAN
// (VOIP mode, so in-band FEC works). Encoder and Decoder own their libopus
// state; encode/decode calls never allocate, so they may run on a real-time
// thread. <opus.h> stays out of this header: users need no Opus include path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

struct OpusEncoder;
struct OpusDecoder;

namespace voixer::audio {

// The longest frame a sender may use, in samples at 48 kHz: 60 ms.
inline constexpr int kMaxFrameSamples = 960 * 3;

struct EncoderSettings {
  int frame_ms = 20;  // 10, 20, 40 or 60; 10 and 20 are the ones meant for live voice
  int bitrate = 24000;  // bits per second
  int complexity = 10;  // 0..10
  bool fec = true;  // in-band FEC: each packet carries a coarse copy of the previous frame
  int expected_loss_percent = 10;  // FEC spends more bits the higher this is; 0 disables it
  bool dtx = false;  // discontinuous transmission: 1-2 byte packets during silence
  // Opus's restricted low-delay mode: its music coder (CELT) only, 2.5 ms of
  // look-ahead instead of 6.5 ms, and no in-band FEC (that is the speech
  // coder's, SILK): a lost frame is concealed. Loses little at LAN
  // bitrates; chosen by who wants the last milliseconds (10 ms frames).
  bool low_delay = false;
};

class Encoder {
 public:
  // Throws std::invalid_argument for a frame_ms Opus cannot do and
  // std::runtime_error if libopus refuses a setting.
  explicit Encoder(const EncoderSettings& settings = {});

  // Samples per channel in one frame (960 at 20 ms).
  int frame_samples() const { return m_frame_samples; }

  // Encodes exactly frame_samples() samples into `out`; returns the packet
  // size in bytes. With dtx, packets of 2 bytes or less need not be sent.
  // 1275 bytes holds any 10 or 20 ms packet (libopus suggests 4000 for
  // longer frames). Throws std::runtime_error on error (e.g. out_capacity 0).
  std::size_t encode(const std::int16_t* pcm, std::uint8_t* out, std::size_t out_capacity);

  // Tells the encoder the loss rate the network is showing, 0..100 (clamped).
  void set_expected_loss(int percent);
  // The loss rate the encoder plans its FEC for, as libopus holds it.
  int expected_loss() const;
  // Throws std::runtime_error if libopus refuses the value.
  void set_bitrate(int bits_per_second);

  // Algorithmic delay: decoded audio lags the input by this many samples
  // (312 = 6.5 ms in VOIP mode).
  int lookahead_samples() const;

 private:
  struct Deleter {
    void operator()(OpusEncoder* e) const;
  };
  std::unique_ptr<OpusEncoder, Deleter> m_enc;
  int m_frame_samples = 0;
};

class Decoder {
 public:
  // Throws std::runtime_error if libopus cannot create a decoder.
  Decoder();

  // Decodes one packet into pcm (room for frame_samples samples). Returns
  // the samples decoded, or -1 if the packet is corrupt or longer than
  // frame_samples; conceal() the frame then. A zero-length packet is
  // treated as lost and concealed.
  int decode(const std::uint8_t* data, std::size_t len, std::int16_t* pcm, int frame_samples);

  // Recovers the lost frame BEFORE `next_packet` from the FEC data that
  // next_packet carries; then decode next_packet itself as usual.
  // frame_samples must be the lost frame's duration. If the packet carries
  // no FEC, libopus conceals instead. Returns samples or -1 as decode().
  int decode_fec(const std::uint8_t* next_packet, std::size_t len, std::int16_t* pcm,
                 int frame_samples);

  // Packet loss concealment: extrapolates frame_samples samples (a multiple
  // of 2.5 ms) from what came before. Returns samples or -1.
  int conceal(std::int16_t* pcm, int frame_samples);

  // Samples per channel a packet decodes to at 48 kHz, or -1 if it is malformed.
  static int packet_samples(const std::uint8_t* data, std::size_t len);

 private:
  struct Deleter {
    void operator()(OpusDecoder* d) const;
  };
  std::unique_ptr<OpusDecoder, Deleter> m_dec;
};

}  // namespace voixer::audio
