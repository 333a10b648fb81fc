// Text from the network made safe to print on a terminal: control
// characters (an ESC can clear the screen or retitle the window),
// bidirectional controls, line separators and invisible characters are
// shown as escapes (\x1b, \u202e) instead of acting; ordinary UTF-8 is
// left alone, and a byte that is not UTF-8 shows as \xNN.
#pragma once

#include <string>
#include <string_view>

namespace voixer::core {

std::string escape_for_terminal(std::string_view text);

}  // namespace voixer::core
