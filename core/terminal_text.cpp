#include "core/terminal_text.hpp"

#include <cstdio>

#include "core/unicode.hpp"

namespace voixer::core {

std::string escape_for_terminal(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t start = i;
    auto cp = next_code_point(text, i);
    char escape[16];
    if (!cp) {
      std::snprintf(escape, sizeof escape, "\\x%02x", static_cast<unsigned char>(text[start]));
      out += escape;
      continue;
    }
    CharTrouble trouble = char_trouble(*cp);
    // What text may carry (the joiners scripts and emoji need, unusual
    // spaces) prints as is.
    bool shown = trouble == CharTrouble::None || trouble == CharTrouble::Space ||
                 (trouble == CharTrouble::Invisible && text_may_carry(*cp));
    if (shown) {
      out.append(text.substr(start, i - start));
    } else if (*cp < 0x80) {
      std::snprintf(escape, sizeof escape, "\\x%02x", static_cast<unsigned>(*cp));
      out += escape;
    } else {
      std::snprintf(escape, sizeof escape, "\\u%04x", static_cast<unsigned>(*cp));
      out += escape;
    }
  }
  return out;
}

}  // namespace voixer::core
