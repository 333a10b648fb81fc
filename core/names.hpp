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

// 1-32 characters: ASCII letters, digits, '_' and '-'.
std::string check_nickname(std::string_view nick);

// '#' then 1-63 printable characters; no spaces, commas, colons or control
// characters; valid UTF-8.
std::string check_channel(std::string_view channel);

// Non-empty, valid UTF-8, no control characters other than tab.
std::string check_text(std::string_view text);

// True when text is well-formed UTF-8 (no overlongs, no surrogates).
bool is_valid_utf8(std::string_view text);

// ASCII lower-case copy: nicknames and channels are unique regardless of case.
std::string fold_case(std::string_view s);

}  // namespace voixer::core
