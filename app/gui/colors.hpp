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
inline const ImVec4 kText(0.8f, 0.8f, 0.8f, 1.0f);       // replayed history
inline const ImVec4 kMention(1.0f, 0.82f, 0.35f, 1.0f);  // a line naming me, mention counts
inline const ImVec4 kLink(0.55f, 0.8f, 1.0f, 1.0f);       // a web link in a message

inline const ImVec4 kWindow(0.11f, 0.12f, 0.14f, 1.0f);        // background
inline const ImVec4 kPanel(0.14f, 0.15f, 0.18f, 1.0f);         // child windows
inline const ImVec4 kCallPanel(0.12f, 0.2f, 0.16f, 1.0f);      // the call panel, greenish
inline const ImVec4 kButton(0.26f, 0.36f, 0.62f, 1.0f);
inline const ImVec4 kButtonHovered(0.33f, 0.45f, 0.76f, 1.0f);
inline const ImVec4 kAcceptButton(0.2f, 0.55f, 0.3f, 1.0f);    // Accept a call
inline const ImVec4 kDangerButton(0.7f, 0.2f, 0.2f, 1.0f);     // Hang up, Deny

}  // namespace voixer::app::colors
