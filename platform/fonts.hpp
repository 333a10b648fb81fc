// Fonts through fontconfig, as every desktop program finds them: the file
// of the best match for a family name, whatever the distribution calls its
// font directories.
#pragma once

#include <string>

namespace voixer::platform {

enum class FontWeight { Regular, Bold };

// The path of the font file fontconfig picks for `family` (e.g. "DejaVu
// Sans"), or "" when it has none (the caller falls back to a built-in font).
std::string find_font(const std::string& family, FontWeight weight = FontWeight::Regular);

}  // namespace voixer::platform
