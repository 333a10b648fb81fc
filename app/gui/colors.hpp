// The window's colours, shared by every panel.
#pragma once

#include <imgui.h>

namespace voixer::app::colors {

inline const ImVec4 kDim(0.6f, 0.6f, 0.65f, 1.0f);       // labels, times, notices
inline const ImVec4 kAccent(0.45f, 0.7f, 1.0f, 1.0f);    // names, headers
inline const ImVec4 kOwn(0.55f, 0.85f, 0.55f, 1.0f);     // my own lines, "in call"
inline const ImVec4 kTalking(0.35f, 0.9f, 0.45f, 1.0f);  // talking, connected
inline const ImVec4 kWarn(1.0f, 0.7f, 0.3f, 1.0f);       // ringing, reconnecting, hosting
inline const ImVec4 kError(1.0f, 0.45f, 0.4f, 1.0f);     // errors, refusals

}  // namespace voixer::app::colors
