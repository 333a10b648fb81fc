// WAV files in and out: reads whatever common WAV a user drops in (any PCM
// or float sample format, channel count and rate) as the 48 kHz mono 16-bit
// the voice pipeline works in, and writes 48 kHz mono 16-bit recordings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace voixer::audio {

// Decodes a complete RIFF/WAVE file held in memory to 48 kHz mono.
// Accepts PCM integer 8/16/24/32-bit and IEEE float 32/64-bit, plain or
// WAVE_FORMAT_EXTENSIBLE, 1..256 channels (averaged to mono), 8000..192000 Hz
// (resampled with speexdsp, output length = round(frames * 48000 / rate)).
// Chunks may come in any order; unknown chunks are skipped. Throws
// std::runtime_error with a one-line reason on anything else, including
// truncated or malformed input; never reads outside `bytes`.
std::vector<std::int16_t> parse_wav_48k_mono(std::span<const std::uint8_t> bytes);

// Reads and decodes a WAV file as parse_wav_48k_mono does. Files above 1 GiB
// are refused. Error messages start with the path: "x.wav: cannot open: ...".
std::vector<std::int16_t> read_wav_48k_mono(const std::string& path);

// Writes a 48 kHz mono 16-bit PCM WAV file incrementally; the header's sizes
// are fixed up by close() (or the destructor, which swallows errors: call
// close() to learn about them).
class WavWriter {
 public:
  // Creates or truncates `path`; throws std::runtime_error if it cannot.
  explicit WavWriter(const std::string& path);
  ~WavWriter();
  WavWriter(WavWriter&&) noexcept = default;
  WavWriter& operator=(WavWriter&&) noexcept;
  WavWriter(const WavWriter&) = delete;
  WavWriter& operator=(const WavWriter&) = delete;

  // Appends samples; throws std::runtime_error on a write error, after
  // close(), or when the file would exceed the 4 GiB a RIFF size can express.
  void write(std::span<const std::int16_t> samples);

  // Rewrites the RIFF and data sizes and closes the file; throws
  // std::runtime_error on failure. Does nothing when already closed.
  void close();

  std::size_t samples_written() const { return m_samples; }

 private:
  struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::string m_path;
  std::unique_ptr<std::FILE, FileCloser> m_file;
  std::size_t m_samples = 0;
};

// Writes a whole 48 kHz mono 16-bit WAV file; throws std::runtime_error on failure.
void write_wav_48k_mono(const std::string& path, std::span<const std::int16_t> samples);

}  // namespace voixer::audio
