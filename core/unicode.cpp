#include "core/unicode.hpp"

#include <cstdio>

namespace voixer::core {

CharTrouble char_trouble(char32_t cp) {
  if (cp == '\t') return CharTrouble::None;
  if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)) return CharTrouble::Control;
  if (cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
      (cp >= 0x2066 && cp <= 0x2069))
    return CharTrouble::Bidi;
  if (cp == 0x2028 || cp == 0x2029) return CharTrouble::LineSeparator;
  if (cp == 0x00AD || cp == 0x034F || cp == 0x115F || cp == 0x1160 || cp == 0x17B4 ||
      cp == 0x17B5 || (cp >= 0x180B && cp <= 0x180F) || (cp >= 0x200B && cp <= 0x200D) ||
      (cp >= 0x2060 && cp <= 0x2064) || cp == 0xFEFF || cp == 0x3164 || cp == 0xFFA0 ||
      (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0000 && cp <= 0xE007F) ||
      (cp >= 0xE0100 && cp <= 0xE01EF))
    return CharTrouble::Invisible;
  if (cp == 0x00A0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F ||
      cp == 0x205F || cp == 0x3000)
    return CharTrouble::Space;
  return CharTrouble::None;
}

bool text_may_carry(char32_t cp) {
  return cp == 0x00AD || cp == 0x034F || (cp >= 0x180B && cp <= 0x180F) || cp == 0x200C ||
         cp == 0x200D || (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0000 && cp <= 0xE007F) ||
         (cp >= 0xE0100 && cp <= 0xE01EF);
}

std::optional<char32_t> next_code_point(std::string_view text, std::size_t& i) {
  auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(text[k]); };
  std::uint8_t c = byte(i);
  if (c < 0x80) {
    ++i;
    return c;
  }
  int extra = (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : -1;
  if (extra < 0 || i + static_cast<std::size_t>(extra) >= text.size()) {
    ++i;
    return std::nullopt;
  }
  char32_t cp = c & (0x3F >> extra);
  for (int k = 1; k <= extra; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) {
      ++i;
      return std::nullopt;
    }
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  static constexpr char32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
  if (cp < kMinForLength[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return std::nullopt;
  }
  i += extra + 1;
  return cp;
}

std::string describe_trouble(CharTrouble trouble, char32_t cp) {
  char code[16];
  std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(cp));
  switch (trouble) {
    case CharTrouble::Control: return std::string("a control character (") + code + ")";
    case CharTrouble::Bidi: return std::string("a bidirectional control (") + code + ")";
    case CharTrouble::LineSeparator: return std::string("a line separator (") + code + ")";
    case CharTrouble::Invisible: return std::string("an invisible character (") + code + ")";
    case CharTrouble::Space: return std::string("an unusual space (") + code + ")";
    case CharTrouble::None: break;
  }
  return code;
}

}  // namespace voixer::core
