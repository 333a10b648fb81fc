// Validation of what users type into protocol fields: nicknames, channel
// names and message text. Each check returns an empty string when the value
// is acceptable, otherwise a sentence that can go straight into an error reply.
#pragma once

#include <string>
#include <string_view>

namespace voixer::core {

inline constexpr std::size_t kMaxNicknameLength = 32;
inline constexpr std::size_t kMaxChannelLength = 64;
inline constexpr std::size_t kMaxRealnameLength = 64;
// The longest text of a message, topic or reason: the longest line the
// server sends around a text must still fit kMaxLineBytes (4096), and the
// longest is a replayed message, "HISTORY <nick> <#channel> <unix ms>: ",
// 8 + 32 + 1 + 64 + 1 + 20 + 2 = 128 bytes before the text.
inline constexpr std::size_t kMaxTextBytes = 4096 - 128;

// 1-32 characters: ASCII letters, digits, '_' and '-'.
std::string check_nickname(std::string_view nick);

// '#' then 1-63 bytes of valid UTF-8; no spaces (of any kind), commas,
// colons, control, bidirectional or invisible characters (core/unicode.hpp).
std::string check_channel(std::string_view channel);

// Non-empty, at most kMaxTextBytes of valid UTF-8, without control,
// bidirectional or line-separator characters (tab is fine) or invisible
// ones, except those that scripts and emoji need (text_may_carry() in
// core/unicode.hpp: U+200C, U+200D, variation selectors ...).
std::string check_text(std::string_view text);

// True when text is well-formed UTF-8 (no overlongs, no surrogates).
bool is_valid_utf8(std::string_view text);

// What a user typed, fit to quote back in an error: at most `max_bytes`
// (cut on a UTF-8 boundary, "..." added when cut), so an answer never
// outgrows the line it answers.
std::string shown(std::string_view input, std::size_t max_bytes = 64);

// At most `max_bytes` of `text`, cut on a UTF-8 boundary.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes);

// ASCII lower-case copy: nicknames and channels are unique regardless of case.
std::string fold_case(std::string_view s);

}  // namespace voixer::core
