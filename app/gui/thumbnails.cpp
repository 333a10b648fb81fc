#include "app/gui/thumbnails.hpp"

#include <GL/gl.h>
#include <stb/stb_image.h>

#include <algorithm>
#include <filesystem>

namespace voixer::app {

Thumbnails::~Thumbnails() {
  for (auto& [path, e] : m_entries) {
    if (e.pending.valid()) e.pending.wait();
    if (e.shown) glDeleteTextures(1, &e.shown->texture);
  }
}

Thumbnails::Pixels Thumbnails::decode(const std::string& path) {
  Pixels out;
  std::error_code ec;
  auto bytes = std::filesystem::file_size(path, ec);
  if (ec || bytes > kMaxImageBytes) return out;
  int w = 0, h = 0, channels = 0;
  if (!stbi_info(path.c_str(), &w, &h, &channels) || w <= 0 || h <= 0 || w > kMaxImageSide ||
      h > kMaxImageSide)
    return out;
  unsigned char* full = stbi_load(path.c_str(), &w, &h, &channels, 4);
  if (!full) return out;
  // Box filter down to kSide on the longer side (never up).
  double scale = std::min(1.0, static_cast<double>(kSide) / std::max(w, h));
  out.width = std::max(1, static_cast<int>(w * scale));
  out.height = std::max(1, static_cast<int>(h * scale));
  out.rgba.resize(static_cast<std::size_t>(out.width) * out.height * 4);
  for (int y = 0; y < out.height; ++y) {
    int y0 = y * h / out.height, y1 = std::max(y0 + 1, (y + 1) * h / out.height);
    for (int x = 0; x < out.width; ++x) {
      int x0 = x * w / out.width, x1 = std::max(x0 + 1, (x + 1) * w / out.width);
      unsigned sum[4] = {0, 0, 0, 0};
      for (int sy = y0; sy < y1; ++sy)
        for (int sx = x0; sx < x1; ++sx)
          for (int c = 0; c < 4; ++c) sum[c] += full[(static_cast<std::size_t>(sy) * w + sx) * 4 + c];
      unsigned n = static_cast<unsigned>((y1 - y0) * (x1 - x0));
      for (int c = 0; c < 4; ++c)
        out.rgba[(static_cast<std::size_t>(y) * out.width + x) * 4 + c] =
            static_cast<std::uint8_t>(sum[c] / n);
    }
  }
  stbi_image_free(full);
  return out;
}

std::optional<Thumbnails::Shown> Thumbnails::get(const std::string& path) {
  auto [it, fresh] = m_entries.try_emplace(path);
  Entry& e = it->second;
  if (fresh) e.pending = std::async(std::launch::async, decode, path);
  if (e.shown || e.failed) return e.shown;
  if (e.pending.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return std::nullopt;
  Pixels p = e.pending.get();
  if (p.rgba.empty()) {
    e.failed = true;
    return std::nullopt;
  }
  Shown s;
  s.width = p.width;
  s.height = p.height;
  glGenTextures(1, &s.texture);
  glBindTexture(GL_TEXTURE_2D, s.texture);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, p.width, p.height, 0, GL_RGBA, GL_UNSIGNED_BYTE,
               p.rgba.data());
  e.shown = s;
  return e.shown;
}

bool Thumbnails::decoding() const {
  for (const auto& [path, e] : m_entries)
    if (!e.shown && !e.failed && e.pending.valid()) return true;
  return false;
}

}  // namespace voixer::app
