#include "audio/late_frame_concealment.hpp"

#include <algorithm>
#include <cstring>

namespace voixer::audio {

int LateFrameConcealment::next_piece(Decoder& decoder, int frame_samples, std::int16_t* out,
                                     int n) {
  if (m_size == 0) {
    const int made = decoder.conceal(m_concealed, std::min(frame_samples, kMaxFrameSamples));
    if (made <= 0) return -1;
    m_size = made;
    m_used = 0;
  }
  const int take = std::clamp(n, 0, m_size - m_used);
  std::memcpy(out, m_concealed + m_used, static_cast<std::size_t>(take) * sizeof(std::int16_t));
  m_used += take;
  return take;
}

int LateFrameConcealment::rest(std::int16_t* out) {
  const int left = m_size - m_used;
  std::memcpy(out, m_concealed + m_used, static_cast<std::size_t>(left) * sizeof(std::int16_t));
  m_used = m_size;
  return left;
}

void LateFrameConcealment::fade_into(std::int16_t* frame, int n) const {
  const int fade = std::min({kFadeSamples, n, m_size - m_used});
  for (int i = 0; i < fade; ++i) {
    const float w = static_cast<float>(i) / static_cast<float>(fade);  // 0: all concealment
    const float mixed = (1.0f - w) * m_concealed[m_used + i] + w * frame[i];
    frame[i] = static_cast<std::int16_t>(std::clamp(mixed, -32768.0f, 32767.0f));
  }
}

}  // namespace voixer::audio
