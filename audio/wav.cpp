// RIFF/WAVE reading (any common PCM/float layout, resampled to 48 kHz mono)
// and 48 kHz mono 16-bit writing. The parser treats its input as hostile: it
// is fed user files and fuzzed, so every offset is checked against the end.
#include "audio/wav.hpp"

#include <speex/speex_resampler.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <system_error>

namespace voixer::audio {

namespace {

constexpr std::uint32_t kOutRate = 48000;
constexpr std::uint32_t kMinRate = 8000;
constexpr std::uint32_t kMaxRate = 192000;
constexpr unsigned kMaxChannels = 256;
// Bounds what a small malicious file can make us allocate (an 8 kHz 8-bit
// file grows 12x on the way to 48 kHz 16-bit).
constexpr std::uint64_t kMaxOutputSeconds = 3600;
constexpr std::uint64_t kMaxFileBytes = std::uint64_t{1} << 30;
// speexdsp's "desktop" quality: flat to ~20 kHz, and whole files are
// converted offline, so its extra cost per sample does not matter.
constexpr int kResamplerQuality = 5;

constexpr std::uint16_t kFormatPcm = 0x0001;
constexpr std::uint16_t kFormatFloat = 0x0003;
constexpr std::uint16_t kFormatExtensible = 0xFFFE;

// Bytes 2..15 of KSDATAFORMAT_SUBTYPE_{PCM,IEEE_FLOAT}: the format tag sits
// in the first two bytes, these are the same for every "classic" subformat.
constexpr std::array<std::uint8_t, 14> kSubformatGuidTail = {
    0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};

std::uint16_t le16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}

std::uint32_t le32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) |
         (std::uint32_t{p[3]} << 24);
}

std::uint64_t le64(const std::uint8_t* p) {
  return std::uint64_t{le32(p)} | (std::uint64_t{le32(p + 4)} << 32);
}

void put_le16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
}

void put_le32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

bool has_id(const std::uint8_t* p, const char (&id)[5]) { return std::memcmp(p, id, 4) == 0; }

// A chunk id for an error message; ids in garbage input are often unprintable.
std::string printable_id(const std::uint8_t* p) {
  std::string s = "'";
  for (int i = 0; i < 4; ++i) s += (p[i] >= 0x20 && p[i] < 0x7F) ? static_cast<char>(p[i]) : '?';
  return s + "'";
}

std::string error_text(int err) { return std::generic_category().message(err); }

[[noreturn]] void fail(const std::string& message) { throw std::runtime_error(message); }

// Names of the compressed encodings people actually meet, so the message
// tells them what they have ("format 85, MP3") and not only a number.
const char* encoding_name(unsigned tag) {
  switch (tag) {
    case 0x0002: return "Microsoft ADPCM";
    case 0x0006: return "A-law";
    case 0x0007: return "mu-law";
    case 0x0011: return "IMA ADPCM";
    case 0x0031: return "GSM 6.10";
    case 0x0050: return "MPEG";
    case 0x0055: return "MP3";
    case 0x00FF: return "AAC";
    case 0x0160:
    case 0x0161:
    case 0x0162:
    case 0x0163: return "WMA";
    case 0x2000: return "AC-3";
    case 0xF1AC: return "FLAC";
    default: return nullptr;
  }
}

enum class SampleKind { integer, floating };

struct Format {
  SampleKind kind = SampleKind::integer;
  unsigned channels = 0;
  std::uint32_t rate = 0;
  unsigned bytes_per_sample = 0;  // container size; samples are left-justified in it
  unsigned block_align = 0;       // bytes per frame (all channels)
};

Format parse_fmt(std::span<const std::uint8_t> body) {
  if (body.size() < 16)
    fail("malformed fmt chunk (" + std::to_string(body.size()) + " bytes, need at least 16)");
  const std::uint8_t* p = body.data();
  unsigned tag = le16(p);
  const unsigned channels = le16(p + 2);
  const std::uint32_t rate = le32(p + 4);
  const unsigned block_align = le16(p + 12);
  const unsigned bits = le16(p + 14);

  if (tag == kFormatExtensible) {
    if (body.size() < 40)
      fail("malformed fmt chunk (WAVE_FORMAT_EXTENSIBLE needs 40 bytes, got " +
           std::to_string(body.size()) + ")");
    if (std::memcmp(p + 26, kSubformatGuidTail.data(), kSubformatGuidTail.size()) != 0)
      fail("unsupported WAV encoding (WAVE_FORMAT_EXTENSIBLE with an unknown subformat GUID)");
    tag = le16(p + 24);
  }

  Format f;
  if (tag == kFormatPcm) {
    if (bits < 8 || bits > 32)
      fail("unsupported PCM bit depth " + std::to_string(bits) + " (need 8..32)");
    f.kind = SampleKind::integer;
  } else if (tag == kFormatFloat) {
    if (bits != 32 && bits != 64)
      fail("unsupported float bit depth " + std::to_string(bits) + " (need 32 or 64)");
    f.kind = SampleKind::floating;
  } else {
    const char* name = encoding_name(tag);
    fail("unsupported WAV encoding (format " + std::to_string(tag) +
         (name ? std::string(", ") + name : std::string()) + ")");
  }
  if (channels == 0) fail("invalid WAV file (0 channels)");
  if (channels > kMaxChannels)
    fail("unsupported channel count " + std::to_string(channels) + " (at most " +
         std::to_string(kMaxChannels) + ")");
  if (rate < kMinRate || rate > kMaxRate)
    fail("unsupported sample rate " + std::to_string(rate) + " Hz (need " +
         std::to_string(kMinRate) + ".." + std::to_string(kMaxRate) + ")");
  f.channels = channels;
  f.rate = rate;
  f.bytes_per_sample = (bits + 7) / 8;
  f.block_align = block_align;
  if (block_align != channels * f.bytes_per_sample)
    fail("malformed fmt chunk (block align " + std::to_string(block_align) + ", expected " +
         std::to_string(channels * f.bytes_per_sample) + " for " + std::to_string(channels) +
         " channels of " + std::to_string(bits) + " bits)");
  return f;
}

// One sample on the int16 scale (full scale = 32768). Floats may be NaN, inf
// or huge in a hostile file; they are tamed here so the resampler and the
// final rounding only ever see finite, bounded values.
float read_sample(const std::uint8_t* p, const Format& f) {
  if (f.kind == SampleKind::floating) {
    const double v = f.bytes_per_sample == 4 ? double{std::bit_cast<float>(le32(p))}
                                             : std::bit_cast<double>(le64(p));
    if (!std::isfinite(v)) return 0.0f;
    return static_cast<float>(std::clamp(v, -4.0, 4.0) * 32768.0);
  }
  switch (f.bytes_per_sample) {
    case 1: return (static_cast<float>(p[0]) - 128.0f) * 256.0f;  // 8-bit WAV is unsigned
    case 2: return static_cast<float>(static_cast<std::int16_t>(le16(p)));
    case 3: {
      const std::uint32_t u = (std::uint32_t{p[0]} << 8) | (std::uint32_t{p[1]} << 16) |
                              (std::uint32_t{p[2]} << 24);
      return static_cast<float>(static_cast<std::int32_t>(u)) / 65536.0f;
    }
    default: return static_cast<float>(static_cast<std::int32_t>(le32(p))) / 65536.0f;
  }
}

std::int16_t to_int16(float v) {
  return static_cast<std::int16_t>(std::lrint(std::clamp(v, -32768.0f, 32767.0f)));
}

struct ResamplerDeleter {
  void operator()(SpeexResamplerState* s) const { speex_resampler_destroy(s); }
};

// Converts a whole signal to 48 kHz, time-aligned (no filter delay at the
// start) and of exactly `out_len` samples.
std::vector<float> resample_to_48k(std::vector<float> in, std::uint32_t rate, std::size_t out_len) {
  int err = 0;
  std::unique_ptr<SpeexResamplerState, ResamplerDeleter> st(
      speex_resampler_init(1, rate, kOutRate, kResamplerQuality, &err));
  if (!st) fail(std::string("cannot create resampler: ") + speex_resampler_strerror(err));
  // skip_zeros drops the filter's leading delay; feeding input_latency zeros
  // at the end flushes the tail it is holding back. Together: aligned output.
  speex_resampler_skip_zeros(st.get());
  const int latency = speex_resampler_get_input_latency(st.get());
  in.resize(in.size() + static_cast<std::size_t>(std::max(latency, 0)), 0.0f);

  std::vector<float> out(out_len, 0.0f);
  // The speex API counts in 32 bits; feed bounded pieces.
  constexpr std::size_t kPiece = std::size_t{1} << 20;
  std::size_t in_pos = 0, out_pos = 0;
  while (in_pos < in.size() && out_pos < out.size()) {
    auto in_n = static_cast<spx_uint32_t>(std::min(in.size() - in_pos, kPiece));
    auto out_n = static_cast<spx_uint32_t>(std::min(out.size() - out_pos, kPiece));
    speex_resampler_process_float(st.get(), 0, in.data() + in_pos, &in_n, out.data() + out_pos,
                                  &out_n);
    if (in_n == 0 && out_n == 0) break;  // no progress; the rest stays silent
    in_pos += in_n;
    out_pos += out_n;
  }
  return out;
}

std::vector<std::int16_t> decode(const Format& f, std::span<const std::uint8_t> data) {
  const std::size_t frames = data.size() / f.block_align;  // a trailing partial frame is dropped
  const std::uint64_t out_len = (std::uint64_t{frames} * kOutRate + f.rate / 2) / f.rate;
  if (out_len > kMaxOutputSeconds * kOutRate)
    fail("WAV file too long (" + std::to_string(out_len / kOutRate) + " s, at most " +
         std::to_string(kMaxOutputSeconds) + " s)");

  std::vector<float> mono(frames);
  const float inv_channels = 1.0f / static_cast<float>(f.channels);
  const std::uint8_t* p = data.data();
  for (std::size_t i = 0; i < frames; ++i) {
    float sum = 0.0f;
    for (unsigned c = 0; c < f.channels; ++c, p += f.bytes_per_sample) sum += read_sample(p, f);
    mono[i] = f.channels == 1 ? sum : sum * inv_channels;
  }
  if (f.rate != kOutRate) mono = resample_to_48k(std::move(mono), f.rate, out_len);

  std::vector<std::int16_t> out(mono.size());
  std::transform(mono.begin(), mono.end(), out.begin(), to_int16);
  return out;
}

}  // namespace

std::vector<std::int16_t> parse_wav_48k_mono(std::span<const std::uint8_t> bytes) {
  const std::uint8_t* base = bytes.data();
  const std::size_t end = bytes.size();
  if (end < 4 || !has_id(base, "RIFF")) {
    if (end >= 4 && has_id(base, "RIFX")) fail("unsupported WAV file (big-endian RIFX)");
    if (end >= 4 && has_id(base, "RF64")) fail("unsupported WAV file (RF64)");
    fail("not a WAV file (no RIFF header)");
  }
  if (end < 12) fail("truncated WAV file (RIFF header)");
  if (!has_id(base + 8, "WAVE"))
    fail("not a WAV file (RIFF type " + printable_id(base + 8) + ", not 'WAVE')");

  // Walk by the buffer's end rather than the RIFF size, which streaming
  // writers leave at 0 or 0xFFFFFFFF; stop once fmt and data are both known,
  // so junk appended after the audio does not matter.
  std::optional<Format> format;
  std::optional<std::span<const std::uint8_t>> data;
  std::size_t pos = 12;
  while (!(format && data) && pos <= end && end - pos >= 8) {
    const std::uint8_t* header = base + pos;
    std::size_t size = le32(header + 4);
    const std::size_t body = pos + 8;
    const std::size_t available = end - body;
    if (has_id(header, "data")) {
      if (size > available) {
        // 0xFFFFFFFF is what writers to a pipe put there: "until the end".
        if (size != 0xFFFFFFFF)
          fail("truncated WAV file (data chunk says " + std::to_string(size) + " bytes, " +
               std::to_string(available) + " present)");
        size = available;
      }
      if (!data) data = bytes.subspan(body, size);
    } else if (size > available) {
      fail("truncated WAV file (" + printable_id(header) + " chunk says " + std::to_string(size) +
           " bytes, " + std::to_string(available) + " present)");
    } else if (has_id(header, "fmt ") && !format) {
      format = parse_fmt(bytes.subspan(body, size));
    }
    pos = body + size + (size & 1);  // chunks are padded to even sizes
  }
  if (!format) fail("invalid WAV file (no fmt chunk)");
  if (!data) fail("invalid WAV file (no data chunk)");
  return decode(*format, *data);
}

std::vector<std::int16_t> read_wav_48k_mono(const std::string& path) {
  struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) fail(path + ": cannot open: " + error_text(errno));
  // Refuse a huge regular file before reading it; the loop below still
  // bounds what a pipe or a growing file can make us read.
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > kMaxFileBytes) fail(path + ": file too large (more than 1 GiB)");

  std::vector<std::uint8_t> bytes;
  if (!ec) bytes.reserve(static_cast<std::size_t>(size));
  constexpr std::size_t kPiece = 1 << 16;
  for (;;) {
    if (bytes.size() > kMaxFileBytes) fail(path + ": file too large (more than 1 GiB)");
    const std::size_t old = bytes.size();
    bytes.resize(old + kPiece);
    const std::size_t n = std::fread(bytes.data() + old, 1, kPiece, file.get());
    bytes.resize(old + n);
    if (n < kPiece) {
      if (std::ferror(file.get())) fail(path + ": cannot read: " + error_text(errno));
      break;
    }
  }
  try {
    return parse_wav_48k_mono(bytes);
  } catch (const std::runtime_error& e) {
    fail(path + ": " + e.what());
  }
}

namespace {
constexpr std::size_t kHeaderBytes = 44;
// The RIFF size field (file size - 8) is 32 bits.
constexpr std::uint64_t kMaxDataBytes = 0xFFFFFFFFull - (kHeaderBytes - 8);

std::array<std::uint8_t, kHeaderBytes> make_header(std::uint32_t data_bytes) {
  std::array<std::uint8_t, kHeaderBytes> h{};
  std::uint8_t* p = h.data();
  std::memcpy(p, "RIFF", 4);
  put_le32(p + 4, static_cast<std::uint32_t>(kHeaderBytes - 8 + data_bytes));
  std::memcpy(p + 8, "WAVEfmt ", 8);
  put_le32(p + 16, 16);
  put_le16(p + 20, kFormatPcm);
  put_le16(p + 22, 1);                 // channels
  put_le32(p + 24, kOutRate);          // sample rate
  put_le32(p + 28, kOutRate * 2);      // bytes per second
  put_le16(p + 32, 2);                 // block align
  put_le16(p + 34, 16);                // bits per sample
  std::memcpy(p + 36, "data", 4);
  put_le32(p + 40, data_bytes);
  return h;
}
}  // namespace

WavWriter::WavWriter(const std::string& path) : m_path(path), m_file(std::fopen(path.c_str(), "wb")) {
  if (!m_file) fail(m_path + ": cannot create: " + error_text(errno));
  const auto header = make_header(0);  // sizes are fixed up by close()
  if (std::fwrite(header.data(), 1, header.size(), m_file.get()) != header.size())
    fail(m_path + ": cannot write: " + error_text(errno));
}

WavWriter::~WavWriter() {
  try {
    close();
  } catch (...) {
    // A destructor must not throw; close() explicitly to see the error.
  }
}

WavWriter& WavWriter::operator=(WavWriter&& other) noexcept {
  if (this != &other) {
    try {
      close();
    } catch (...) {
    }
    m_path = std::move(other.m_path);
    m_file = std::move(other.m_file);
    m_samples = other.m_samples;
  }
  return *this;
}

void WavWriter::write(std::span<const std::int16_t> samples) {
  if (!m_file) fail(m_path + ": write after close");
  if ((std::uint64_t{m_samples} + samples.size()) * 2 > kMaxDataBytes)
    fail(m_path + ": WAV file would exceed 4 GiB");
  // Samples go out little-endian whatever the host; convert through a small
  // stack buffer so writing never allocates.
  std::array<std::uint8_t, 8192> buffer;
  while (!samples.empty()) {
    const std::size_t n = std::min(samples.size(), buffer.size() / 2);
    for (std::size_t i = 0; i < n; ++i)
      put_le16(buffer.data() + 2 * i, static_cast<std::uint16_t>(samples[i]));
    if (std::fwrite(buffer.data(), 2, n, m_file.get()) != n)
      fail(m_path + ": cannot write: " + error_text(errno));
    m_samples += n;
    samples = samples.subspan(n);
  }
}

void WavWriter::close() {
  if (!m_file) return;
  // Owned locally from here on, so the file is closed even if fixing up fails.
  auto file = std::move(m_file);
  const auto header = make_header(static_cast<std::uint32_t>(m_samples * 2));
  if (std::fseek(file.get(), 0, SEEK_SET) != 0 ||
      std::fwrite(header.data(), 1, header.size(), file.get()) != header.size())
    fail(m_path + ": cannot finish WAV header: " + error_text(errno));
  if (std::fclose(file.release()) != 0) fail(m_path + ": cannot write: " + error_text(errno));
}

void write_wav_48k_mono(const std::string& path, std::span<const std::int16_t> samples) {
  WavWriter writer(path);
  writer.write(samples);
  writer.close();
}

}  // namespace voixer::audio
