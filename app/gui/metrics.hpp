// The window's sizes: the fonts it loads and the scale every panel derives
// from them, so a panel laid out at the base size grows with the font
// (a monitor's content scale enlarges the fonts).
#pragma once

#include <imgui.h>

namespace voixer::app::metrics {

inline constexpr float kBaseFontPixels = 17.0f;   // the text font, at scale 1
inline constexpr float kTitleFontPixels = 34.0f;  // the start screen's title
inline constexpr float kFallbackFontPixels = 13.0f;  // ImGui's own font when none is found

// How much larger than the base size the current font is.
inline float scale() { return ImGui::GetFontSize() / kBaseFontPixels; }

}  // namespace voixer::app::metrics
