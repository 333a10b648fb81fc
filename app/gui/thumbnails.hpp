// Small pictures of the images shared in a conversation: decoded (stb_image)
// and scaled down on a thread of their own, then made a texture on the UI
// thread, once per file. Pictures from others are untrusted input: only
// files up to kMaxImageBytes and kMaxImageSide pixels a side are decoded.
#pragma once

#include <cstdint>
#include <future>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace voixer::app {

class Thumbnails {
 public:
  static constexpr int kSide = 240;  // the longer side of a thumbnail, pixels
  static constexpr std::uint64_t kMaxImageBytes = 16'000'000;
  static constexpr int kMaxImageSide = 8192;

  Thumbnails() = default;
  ~Thumbnails();  // deletes the textures (the GL context must still be current)
  Thumbnails(const Thumbnails&) = delete;
  Thumbnails& operator=(const Thumbnails&) = delete;

  struct Shown {
    unsigned texture = 0;  // a GL texture name
    int width = 0, height = 0;
  };
  // The thumbnail of the image file at `path`: decoding starts the first
  // time; nullopt until it is ready, and for a file that is no image.
  std::optional<Shown> get(const std::string& path);
  bool decoding() const;  // the window keeps redrawing until they are done

 private:
  struct Pixels {
    int width = 0, height = 0;
    std::vector<std::uint8_t> rgba;  // empty: not an image
  };
  struct Entry {
    std::future<Pixels> pending;
    std::optional<Shown> shown;
    bool failed = false;
  };
  static Pixels decode(const std::string& path);
  std::map<std::string, Entry> m_entries;
};

}  // namespace voixer::app
