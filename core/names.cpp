#include "core/names.hpp"

#include <cstdint>

#include "core/unicode.hpp"

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
  for (std::size_t i = 0; i < channel.size();) {
    char32_t cp = *next_code_point(channel, i);
    if (cp == '\t') return "Channel name contains a control character (U+0009)";
    if (auto trouble = char_trouble(cp); trouble != CharTrouble::None)
      return "Channel name contains " + describe_trouble(trouble, cp);
  }
  for (char c : channel) {
    if (c == ' ' || c == ',' || c == ':')
      return "Channel names may not contain spaces, commas or colons";
  }
  return {};
}

std::string check_text(std::string_view text) {
  if (text.empty()) return "Text is empty";
  if (text.size() > kMaxTextBytes)
    return "Text is longer than " + std::to_string(kMaxTextBytes) + " bytes";
  if (!is_valid_utf8(text)) return "Text is not valid UTF-8";
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = *next_code_point(text, i);
    auto trouble = char_trouble(cp);
    if (trouble == CharTrouble::None || trouble == CharTrouble::Space) continue;
    if (trouble == CharTrouble::Invisible && text_may_carry(cp)) continue;
    return "Text contains " + describe_trouble(trouble, cp);
  }
  return {};
}

std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t cut = max_bytes;
  // Back off continuation bytes so no character is split.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut);
}

std::string shown(std::string_view input, std::size_t max_bytes) {
  if (input.size() <= max_bytes) return std::string(input);
  return std::string(utf8_prefix(input, max_bytes)) + "...";
}

std::string fold_case(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace voixer::core
