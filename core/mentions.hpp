// Whether a message names you: your nickname as a word of its own, in any
// case, with or without '@' ("alice:", "@Alice", "hi alice!" but not
// "malice" or "alice_2"). What counts as part of a word is what a nickname
// may contain: letters, digits, '_' and '-'.
#pragma once

#include <string_view>

namespace voixer::core {

bool mentions(std::string_view text, std::string_view nickname);

}  // namespace voixer::core
