// wav_compare REFERENCE.wav RECORDED.wav [max_delay_ms]
// Aligns a recording with the signal that was played into the microphone
// (cross-correlation) and prints the delay, the envelope similarity, the
// longest dropout and the SNR. Used by bench/echo_latency.sh.
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "support/analysis.hpp"
#include "audio/wav.hpp"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: wav_compare REFERENCE.wav RECORDED.wav [max_delay_ms]\n");
    return 2;
  }
  try {
    auto reference = voixer::audio::read_wav_48k_mono(argv[1]);
    auto recorded = voixer::audio::read_wav_48k_mono(argv[2]);
    long max_delay = (argc > 3 ? std::atol(argv[3]) : 1000) * 48;
    auto a = voixer::audio::align(reference, recorded, max_delay);
    double similarity = voixer::audio::envelope_similarity(reference, recorded, a.delay_samples);
    double dropout = voixer::audio::max_dropout_ms(reference, recorded, a.delay_samples);
    double snr = voixer::audio::snr_db(reference, recorded, a.delay_samples);
    std::printf("delay_ms=%.1f correlation=%.3f envelope_similarity=%.3f longest_dropout_ms=%.0f snr_db=%.1f\n",
                a.delay_samples / 48.0, a.correlation, similarity, dropout, snr);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wav_compare: %s\n", e.what());
    return 1;
  }
  return 0;
}
