// WAV reading and writing: sample-exact round trip, every accepted encoding
// decodes to the same 48 kHz mono signal, resampling keeps length, pitch and
// timing, malformed files fail with the expected one-line message, and
// garbage never crashes the parser.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numbers>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "audio/wav.hpp"

namespace fs = std::filesystem;
using namespace voixer::audio;
using Bytes = std::vector<std::uint8_t>;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("voixer_test_wav_" + std::to_string(::getpid()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

void put16(Bytes& b, unsigned v) {
  b.push_back(static_cast<std::uint8_t>(v));
  b.push_back(static_cast<std::uint8_t>(v >> 8));
}

void put32(Bytes& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

Bytes chunk(const char* id, const Bytes& body, std::uint32_t declared_size = 0xFFFFFFFE) {
  Bytes b(id, id + 4);
  put32(b, declared_size == 0xFFFFFFFE ? static_cast<std::uint32_t>(body.size()) : declared_size);
  b.insert(b.end(), body.begin(), body.end());
  if (body.size() % 2) b.push_back(0);  // RIFF pads chunks to even sizes
  return b;
}

Bytes riff(const std::vector<Bytes>& chunks) {
  Bytes b = {'R', 'I', 'F', 'F'};
  std::size_t size = 4;
  for (const auto& c : chunks) size += c.size();
  put32(b, static_cast<std::uint32_t>(size));
  b.insert(b.end(), {'W', 'A', 'V', 'E'});
  for (const auto& c : chunks) b.insert(b.end(), c.begin(), c.end());
  return b;
}

struct Spec {
  unsigned tag = 1;  // 1 PCM, 3 float
  unsigned channels = 1;
  std::uint32_t rate = 48000;
  unsigned bits = 16;
  bool extensible = false;
  int block_align = -1;  // -1: the correct value
};

Bytes fmt_body(const Spec& s) {
  Bytes b;
  const unsigned align = s.block_align >= 0 ? static_cast<unsigned>(s.block_align)
                                            : s.channels * ((s.bits + 7) / 8);
  put16(b, s.extensible ? 0xFFFE : s.tag);
  put16(b, s.channels);
  put32(b, s.rate);
  put32(b, s.rate * align);
  put16(b, align);
  put16(b, s.bits);
  if (s.extensible) {
    put16(b, 22);      // cbSize
    put16(b, s.bits);  // valid bits
    put32(b, 0);       // channel mask
    put16(b, s.tag);
    const std::uint8_t tail[14] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
                                   0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};
    b.insert(b.end(), tail, tail + 14);
  }
  return b;
}

// Interleaved samples in [-1, 1) encoded as the spec says.
Bytes encode(const Spec& s, const std::vector<double>& x) {
  Bytes b;
  for (const double v : x) {
    if (s.tag == 3 && s.bits == 32) {
      std::uint32_t u;
      const float f = static_cast<float>(v);
      std::memcpy(&u, &f, 4);
      put32(b, u);
    } else if (s.tag == 3) {
      std::uint64_t u;
      std::memcpy(&u, &v, 8);
      put32(b, static_cast<std::uint32_t>(u));
      put32(b, static_cast<std::uint32_t>(u >> 32));
    } else {
      const int bytes = static_cast<int>((s.bits + 7) / 8);
      const auto full = static_cast<std::int64_t>(std::llround(v * std::pow(2.0, 8 * bytes - 1)));
      auto u = static_cast<std::uint64_t>(full);
      if (bytes == 1) u = static_cast<std::uint64_t>(full + 128);  // 8-bit is unsigned
      for (int i = 0; i < bytes; ++i) b.push_back(static_cast<std::uint8_t>(u >> (8 * i)));
    }
  }
  return b;
}

Bytes wav(const Spec& s, const std::vector<double>& x) {
  return riff({chunk("fmt ", fmt_body(s)), chunk("data", encode(s, x))});
}

std::string parse_error(const Bytes& b) {
  try {
    parse_wav_48k_mono(b);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no error)";
}

std::vector<double> sine(double freq, double rate, std::size_t frames, unsigned channels,
                         double amplitude = 0.5) {
  std::vector<double> x;
  for (std::size_t i = 0; i < frames; ++i)
    for (unsigned c = 0; c < channels; ++c)
      x.push_back(amplitude * std::sin(2.0 * std::numbers::pi * freq * static_cast<double>(i) / rate));
  return x;
}

// Frequency from upward zero crossings over the middle of the signal.
double zero_crossing_hz(const std::vector<std::int16_t>& x) {
  const std::size_t lo = x.size() / 10, hi = x.size() - x.size() / 10;
  std::size_t first = 0, last = 0, count = 0;
  for (std::size_t i = lo + 1; i < hi; ++i) {
    if (x[i - 1] < 0 && x[i] >= 0) {
      if (count == 0) first = i;
      last = i;
      ++count;
    }
  }
  if (count < 2) return 0.0;
  return static_cast<double>(count - 1) * 48000.0 / static_cast<double>(last - first);
}

bool have_tool(const char* name) {
  return std::system((std::string("command -v ") + name + " >/dev/null 2>&1").c_str()) == 0;
}

Bytes read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(f), {});
}

}  // namespace

TEST_CASE("WAV write then read is sample-exact") {
  TempDir dir;
  std::vector<std::int16_t> x(48001);
  std::mt19937 rng(7);
  for (auto& v : x) v = static_cast<std::int16_t>(rng());
  x[0] = -32768;
  x[1] = 32767;
  x[2] = 0;
  const auto path = dir.file("round.wav");
  write_wav_48k_mono(path, x);
  CHECK(fs::file_size(path) == 44 + 2 * x.size());
  CHECK(read_wav_48k_mono(path) == x);
}

TEST_CASE("WavWriter writes incrementally, and its destructor finishes the file") {
  TempDir dir;
  const auto path = dir.file("inc.wav");
  std::vector<std::int16_t> all;
  {
    WavWriter w(path);
    for (int block = 0; block < 10; ++block) {
      std::vector<std::int16_t> b(481, static_cast<std::int16_t>(block * 1000 - 5000));
      w.write(b);
      all.insert(all.end(), b.begin(), b.end());
    }
    CHECK(w.samples_written() == all.size());
  }  // no close(): the destructor must fix up the sizes
  CHECK(read_wav_48k_mono(path) == all);
  const Bytes b = read_bytes(path);
  CHECK(b[40] + (b[41] << 8) + (b[42] << 16) == static_cast<int>(all.size() * 2));
}

TEST_CASE("WavWriter reports errors: cannot create, write after close") {
  TempDir dir;
  const auto bad = dir.file("missing-dir/x.wav");
  try {
    WavWriter w(bad);
    FAIL("no exception");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()) == bad + ": cannot create: No such file or directory");
  }
  WavWriter w(dir.file("closed.wav"));
  w.close();
  w.close();  // twice is harmless
  const std::int16_t s[1] = {1};
  CHECK_THROWS_WITH_AS(w.write(s), (dir.file("closed.wav") + ": write after close").c_str(),
                       std::runtime_error);
}

TEST_CASE("read_wav_48k_mono names the file and the problem") {
  TempDir dir;
  const auto missing = dir.file("nope.wav");
  CHECK_THROWS_WITH_AS(read_wav_48k_mono(missing),
                       (missing + ": cannot open: No such file or directory").c_str(),
                       std::runtime_error);
  const auto text = dir.file("text.wav");
  std::ofstream(text) << "hello, this is not audio";
  CHECK_THROWS_WITH_AS(read_wav_48k_mono(text), (text + ": not a WAV file (no RIFF header)").c_str(),
                       std::runtime_error);
  CHECK_THROWS_WITH_AS(read_wav_48k_mono(dir.path.string()),
                       (dir.path.string() + ": cannot read: Is a directory").c_str(),
                       std::runtime_error);
}

TEST_CASE("every supported encoding decodes to the same 48 kHz samples") {
  const auto x = sine(440.0, 48000.0, 4800, 1);
  std::vector<std::int16_t> expected;
  for (const double v : x) expected.push_back(static_cast<std::int16_t>(std::lrint(v * 32768.0)));

  struct Case {
    const char* name;
    Spec spec;
    int tolerance;  // LSBs
  };
  const Case cases[] = {
      {"pcm8", {1, 1, 48000, 8}, 128},  // 8-bit steps are 256 LSB apart
      {"pcm16", {1, 1, 48000, 16}, 0},
      {"pcm24", {1, 1, 48000, 24}, 1},
      {"pcm32", {1, 1, 48000, 32}, 1},
      {"float32", {3, 1, 48000, 32}, 1},
      {"float64", {3, 1, 48000, 64}, 1},
      {"extensible pcm24", {1, 1, 48000, 24, true}, 1},
      {"extensible float32", {3, 1, 48000, 32, true}, 1},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    const auto got = parse_wav_48k_mono(wav(c.spec, x));
    REQUIRE(got.size() == expected.size());
    int worst = 0;
    for (std::size_t i = 0; i < got.size(); ++i)
      worst = std::max(worst, std::abs(int{got[i]} - int{expected[i]}));
    CHECK(worst <= c.tolerance);
  }
}

TEST_CASE("channels are averaged to mono") {
  std::vector<double> x;
  for (int i = 0; i < 100; ++i) x.insert(x.end(), {0.5, -0.25, 0.0});
  const auto got = parse_wav_48k_mono(wav({1, 3, 48000, 16}, x));
  REQUIRE(got.size() == 100);
  CHECK(got[50] == std::lrint((16384 - 8192) / 3.0));
}

TEST_CASE("chunks in any order, odd sizes padded, unknown chunks skipped") {
  const Spec s;
  const auto x = sine(300.0, 48000.0, 999, 1);  // 1998 data bytes
  const auto plain = parse_wav_48k_mono(wav(s, x));
  const Bytes odd_list = {'I', 'N', 'F', 'O', 'x'};  // 5 bytes: followed by a pad byte
  const auto shuffled = riff({chunk("LIST", odd_list), chunk("data", encode(s, x)),
                              chunk("JUNK", Bytes(3, 0xEE)), chunk("fmt ", fmt_body(s))});
  CHECK(parse_wav_48k_mono(shuffled) == plain);
  // Junk after the audio (an appended tag, say) does not matter.
  Bytes trailing = wav(s, x);
  trailing.insert(trailing.end(), {'I', 'D', '3', 3, 0});
  CHECK(parse_wav_48k_mono(trailing) == plain);
}

TEST_CASE("a streamed data size (0xFFFFFFFF) means: to the end of the file") {
  const Spec s;
  const auto x = sine(300.0, 48000.0, 500, 1);
  const auto streamed = riff({chunk("fmt ", fmt_body(s)), chunk("data", encode(s, x), 0xFFFFFFFF)});
  CHECK(parse_wav_48k_mono(streamed) == parse_wav_48k_mono(wav(s, x)));
}

TEST_CASE("a partial last frame is dropped") {
  const Spec s{1, 2, 48000, 16};
  Bytes data = encode(s, sine(300.0, 48000.0, 10, 2));
  data.push_back(1);  // half a sample of an 11th frame
  data.push_back(2);
  CHECK(parse_wav_48k_mono(riff({chunk("fmt ", fmt_body(s)), chunk("data", data)})).size() == 10);
}

TEST_CASE("other rates are resampled to 48 kHz keeping length and pitch") {
  struct Case {
    std::uint32_t rate;
    unsigned channels;
  };
  for (const Case c : {Case{44100, 2}, Case{8000, 1}, Case{22050, 1}, Case{16000, 2},
                       Case{96000, 1}, Case{192000, 2}}) {
    CAPTURE(c.rate);
    const std::size_t frames = c.rate * 2;  // 2 s
    const auto got = parse_wav_48k_mono(wav({1, c.channels, c.rate, 16}, sine(1000.0, c.rate, frames, c.channels)));
    CHECK(std::abs(static_cast<long>(got.size()) - 96000) <= 48);  // +-1 ms
    CHECK(zero_crossing_hz(got) == doctest::Approx(1000.0).epsilon(0.002));
    // Amplitude survives (0.5 FS), and nothing before the tone is delayed away.
    int peak = 0;
    for (std::size_t i = 24000; i < 72000; ++i) peak = std::max(peak, std::abs(int{got[i]}));
    CHECK(peak == doctest::Approx(16384).epsilon(0.02));
  }
}

TEST_CASE("resampling keeps timing: a click at 0.5 s stays at 0.5 s") {
  for (const std::uint32_t rate : {8000u, 44100u, 96000u}) {
    CAPTURE(rate);
    std::vector<double> x(rate, 0.0);
    x[rate / 2] = 0.9;
    const auto got = parse_wav_48k_mono(wav({1, 1, rate, 16}, x));
    REQUIRE(got.size() == 48000);
    std::size_t at = 0;
    for (std::size_t i = 0; i < got.size(); ++i)
      if (std::abs(got[i]) > std::abs(got[at])) at = i;
    CHECK(std::abs(static_cast<long>(at) - 24000) <= 1);
  }
}

TEST_CASE("files made by sox read back as 48 kHz mono with the right length and pitch") {
  if (!have_tool("sox")) {
    MESSAGE("sox not installed; skipped");
    return;
  }
  TempDir dir;
  struct Case {
    std::string args;
    bool extensible;  // sox uses WAVE_FORMAT_EXTENSIBLE for >2 channels or >16-bit integers
  };
  for (const Case& c : {Case{"-r 44100 -c 2 -b 16", false}, Case{"-r 96000 -c 6 -b 24", true},
                        Case{"-r 32000 -c 1 -e floating-point -b 32", false},  // + a fact chunk
                        Case{"-r 11025 -c 1 -b 8", false}}) {
    CAPTURE(c.args);
    const auto path = dir.file("sox.wav");
    const std::string cmd =
        std::string("sox -n ") + c.args + " '" + path + "' synth 1.5 sine 1000 vol 0.5";
    REQUIRE(std::system(cmd.c_str()) == 0);
    const Bytes b = read_bytes(path);
    REQUIRE(b.size() > 22);
    CHECK(((b[20] | (b[21] << 8)) == 0xFFFE) == c.extensible);
    const auto got = read_wav_48k_mono(path);
    CHECK(std::abs(static_cast<long>(got.size()) - 72000) <= 48);
    CHECK(zero_crossing_hz(got) == doctest::Approx(1000.0).epsilon(0.002));
  }
}

TEST_CASE("malformed WAV files fail with a one-line reason") {
  const Spec good;
  const Bytes data = encode(good, sine(300.0, 48000.0, 100, 1));  // 200 bytes
  auto with_fmt = [&](const Spec& s) { return riff({chunk("fmt ", fmt_body(s)), chunk("data", data)}); };
  Bytes truncated = riff({chunk("fmt ", fmt_body(good)), chunk("data", data)});
  truncated.resize(truncated.size() - 10);
  Bytes short_fmt = fmt_body(good);
  short_fmt.resize(14);
  Spec ext = good;
  ext.extensible = true;
  Bytes ext_bad_guid = fmt_body(ext);
  ext_bad_guid.back() ^= 0xFF;
  Bytes ext_short = fmt_body(ext);
  ext_short.resize(18);
  Bytes riff_only = {'R', 'I', 'F', 'F', 4, 0, 0, 0};
  Bytes avi = {'R', 'I', 'F', 'F', 4, 0, 0, 0, 'A', 'V', 'I', ' '};
  Bytes rifx = avi;
  rifx[3] = 'X';

  CHECK(parse_error({}) == "not a WAV file (no RIFF header)");
  CHECK(parse_error({'I', 'D', '3', 4, 0, 0, 0, 0, 0, 0, 0, 0}) == "not a WAV file (no RIFF header)");
  CHECK(parse_error(rifx) == "unsupported WAV file (big-endian RIFX)");
  CHECK(parse_error(riff_only) == "truncated WAV file (RIFF header)");
  CHECK(parse_error(avi) == "not a WAV file (RIFF type 'AVI ', not 'WAVE')");
  CHECK(parse_error(riff({chunk("data", data)})) == "invalid WAV file (no fmt chunk)");
  CHECK(parse_error(riff({chunk("fmt ", fmt_body(good))})) == "invalid WAV file (no data chunk)");
  CHECK(parse_error(riff({})) == "invalid WAV file (no fmt chunk)");
  CHECK(parse_error(truncated) == "truncated WAV file (data chunk says 200 bytes, 190 present)");
  CHECK(parse_error(riff({chunk("LIST", {1, 2}, 0xFFFFFFFF)})) ==
        "truncated WAV file ('LIST' chunk says 4294967295 bytes, 2 present)");
  CHECK(parse_error(riff({chunk("fmt ", short_fmt), chunk("data", data)})) ==
        "malformed fmt chunk (14 bytes, need at least 16)");
  CHECK(parse_error(with_fmt({85, 1, 48000, 0})) == "unsupported WAV encoding (format 85, MP3)");
  CHECK(parse_error(with_fmt({6, 1, 8000, 8})) == "unsupported WAV encoding (format 6, A-law)");
  CHECK(parse_error(with_fmt({2, 1, 8000, 4})) ==
        "unsupported WAV encoding (format 2, Microsoft ADPCM)");
  CHECK(parse_error(with_fmt({0x1234, 1, 8000, 4})) == "unsupported WAV encoding (format 4660)");
  CHECK(parse_error(riff({chunk("fmt ", ext_bad_guid), chunk("data", data)})) ==
        "unsupported WAV encoding (WAVE_FORMAT_EXTENSIBLE with an unknown subformat GUID)");
  CHECK(parse_error(riff({chunk("fmt ", ext_short), chunk("data", data)})) ==
        "malformed fmt chunk (WAVE_FORMAT_EXTENSIBLE needs 40 bytes, got 18)");
  CHECK(parse_error(with_fmt({1, 0, 48000, 16})) == "invalid WAV file (0 channels)");
  CHECK(parse_error(with_fmt({1, 300, 48000, 16})) == "unsupported channel count 300 (at most 256)");
  CHECK(parse_error(with_fmt({1, 1, 4000, 16})) == "unsupported sample rate 4000 Hz (need 8000..192000)");
  CHECK(parse_error(with_fmt({1, 1, 384000, 16})) ==
        "unsupported sample rate 384000 Hz (need 8000..192000)");
  CHECK(parse_error(with_fmt({1, 1, 0, 16})) == "unsupported sample rate 0 Hz (need 8000..192000)");
  CHECK(parse_error(with_fmt({1, 1, 48000, 4})) == "unsupported PCM bit depth 4 (need 8..32)");
  CHECK(parse_error(with_fmt({1, 1, 48000, 48})) == "unsupported PCM bit depth 48 (need 8..32)");
  CHECK(parse_error(with_fmt({3, 1, 48000, 16})) == "unsupported float bit depth 16 (need 32 or 64)");
  CHECK(parse_error(with_fmt({1, 2, 48000, 16, false, 3})) ==
        "malformed fmt chunk (block align 3, expected 4 for 2 channels of 16 bits)");
  CHECK(parse_error(with_fmt({1, 2, 48000, 16, false, 0})) ==
        "malformed fmt chunk (block align 0, expected 4 for 2 channels of 16 bits)");
}

TEST_CASE("a WAV longer than an hour is refused before decoding") {
  const Spec s{1, 1, 8000, 8};
  const Bytes big(8000u * 3601u, 128);
  CHECK(parse_error(riff({chunk("fmt ", fmt_body(s)), chunk("data", big)})) ==
        "WAV file too long (3601 s, at most 3600 s)");
}

TEST_CASE("NaN, infinite and huge float samples decode to bounded values") {
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> x = {std::nan(""), inf, -inf, 1e300, -1e300, 2.0, -2.0, 0.25};
  const auto got = parse_wav_48k_mono(wav({3, 1, 48000, 64}, x));
  CHECK(got == std::vector<std::int16_t>{0, 0, 0, 32767, -32768, 32767, -32768, 8192});
  // And through the resampler too.
  const auto resampled = parse_wav_48k_mono(wav({3, 1, 24000, 64}, x));
  CHECK(resampled.size() == 16);
}

TEST_CASE("every truncation of a valid file either decodes or throws runtime_error") {
  const Spec s{1, 2, 44100, 24, true};
  const Bytes full = riff({chunk("LIST", {'a', 'b', 'c'}), chunk("fmt ", fmt_body(s)),
                           chunk("data", encode(s, sine(500.0, 44100.0, 50, 2)))});
  for (std::size_t n = 0; n < full.size(); ++n) {
    const Bytes prefix(full.begin(), full.begin() + static_cast<long>(n));
    CAPTURE(n);
    CHECK_THROWS_AS(parse_wav_48k_mono(prefix), std::runtime_error);
  }
  // The whole file: 50 samples at 44.1 kHz are 54 at 48 kHz.
  CHECK(parse_wav_48k_mono(full).size() == 54);
}

TEST_CASE("random garbage and mutated files never crash the parser") {
  std::mt19937 rng(12345);
  const Bytes seeds[] = {
      wav({1, 2, 44100, 16}, sine(500.0, 44100.0, 64, 2)),
      wav({3, 1, 8000, 32, true}, sine(500.0, 8000.0, 64, 1)),
      wav({1, 3, 96000, 24}, sine(500.0, 96000.0, 64, 3)),
  };
  std::size_t decoded = 0, rejected = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    Bytes b = seeds[static_cast<std::size_t>(iter) % 3];
    const int mutations = 1 + static_cast<int>(rng() % 8);
    for (int m = 0; m < mutations; ++m) {
      const std::size_t at = rng() % b.size();
      switch (rng() % 4) {
        case 0: b[at] = static_cast<std::uint8_t>(rng()); break;           // flip a byte
        case 1: b[at] ^= static_cast<std::uint8_t>(1u << (rng() % 8)); break;  // flip a bit
        case 2: b.resize(at + 1); break;                                      // truncate
        case 3: b.insert(b.begin() + static_cast<long>(at), static_cast<std::uint8_t>(rng())); break;
      }
    }
    if (iter % 10 == 0) {  // pure garbage, sometimes behind a plausible header
      b.assign(rng() % 200, 0);
      for (auto& v : b) v = static_cast<std::uint8_t>(rng());
      if (iter % 20 == 0 && b.size() >= 12) std::memcpy(b.data(), "RIFF\0\0\0\0WAVE", 12);
    }
    try {
      const auto out = parse_wav_48k_mono(b);
      CHECK(out.size() <= 48000);  // tiny inputs cannot produce much output
      ++decoded;
    } catch (const std::runtime_error&) {
      ++rejected;
    }
  }
  CHECK(decoded > 100);   // the mutations do not all break the file...
  CHECK(rejected > 100);  // ...and not all leave it valid
}
