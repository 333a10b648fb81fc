#include "core/names.hpp"

#include <cstdint>

namespace voixer::core {

bool is_valid_utf8(std::string_view text) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    std::uint8_t c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int extra;
    std::uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (end - p <= extra) return false;
    for (int i = 1; i <= extra; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    static constexpr std::uint32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[extra]) return false;            // overlong
    if (cp > 0x10FFFF) return false;                       // beyond Unicode
    if (cp >= 0xD800 && cp <= 0xDFFF) return false;        // UTF-16 surrogate
    p += extra + 1;
  }
  return true;
}

namespace {

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7F; }

}  // namespace

std::string check_nickname(std::string_view nick) {
  if (nick.empty()) return "Nickname is empty";
  if (nick.size() > kMaxNicknameLength)
    return "Nickname is longer than 32 characters";
  for (char c : nick) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok)
      return "Nickname may only contain letters, digits, '_' and '-'";
  }
  return {};
}

std::string check_channel(std::string_view channel) {
  if (channel.empty() || channel[0] != '#')
    return "Channel names start with '#'";
  if (channel.size() < 2) return "Channel name is empty after '#'";
  if (channel.size() > kMaxChannelLength)
    return "Channel name is longer than 64 bytes";
  if (!is_valid_utf8(channel)) return "Channel name is not valid UTF-8";
  for (unsigned char c : channel) {
    if (is_control(c) || c == ' ' || c == ',' || c == ':')
      return "Channel names may not contain spaces, commas, colons or "
             "control characters";
  }
  return {};
}

std::string check_text(std::string_view text) {
  if (text.empty()) return "Text is empty";
  if (!is_valid_utf8(text)) return "Text is not valid UTF-8";
  for (unsigned char c : text) {
    if (is_control(c) && c != '\t') return "Text contains control characters";
  }
  return {};
}

std::string fold_case(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace voixer::core
