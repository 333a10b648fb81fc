// Unicode characters that make text lie about itself: controls (which
// move the cursor, ring the bell or recolour a terminal), bidirectional
// controls (which reverse what follows: "exe.txt" shown for "txt.exe"),
// line separators, and invisible or blank-looking characters (with which
// "#lobby" + U+200B passes for "#lobby"). Names refuse all of them; text
// refuses all but the joiners that scripts and emoji need.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace voixer::core {

enum class CharTrouble {
  None,
  Control,        // C0 (but tab), DEL, C1
  Bidi,           // U+061C, U+200E/F, U+202A-E, U+2066-9
  LineSeparator,  // U+2028, U+2029
  Invisible,      // zero-width and filler characters, variation selectors, tags
  Space,          // spaces other than U+0020 (no-break, en, em, ideographic...)
};

// What is wrong with code point `cp`, if anything (tab counts as fine).
CharTrouble char_trouble(char32_t cp);

// Invisible characters that text (not names) may carry because scripts and
// emoji need them: the soft hyphen, the combining grapheme joiner, the
// Mongolian variation selectors and vowel separator, the zero-width
// non-joiner and joiner, variation selectors and tags.
bool text_may_carry(char32_t cp);

// Decodes one code point from valid UTF-8 at text[i], advancing i; an
// invalid byte gives nullopt and advances i by one.
std::optional<char32_t> next_code_point(std::string_view text, std::size_t& i);

// A phrase for a person: "a control character (U+0085)".
std::string describe_trouble(CharTrouble trouble, char32_t cp);

}  // namespace voixer::core
