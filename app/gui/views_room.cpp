// A channel's voice room, on the right above its users: who is in it (with
// talking, muted and deafened), Join voice or, when I am in it, Mute,
// Deafen, a volume per person and Leave voice.
#include <imgui.h>

#include "app/gui/colors.hpp"
#include "app/gui/metrics.hpp"
#include "app/gui/views.hpp"

namespace voixer::app {

using namespace colors;

void draw_voice_room(GuiApp& app, ViewState&) {
  const auto& model = app.model();
  const core::Conversation* c = model.active();
  if (!c || !c->is_channel || !c->joined) return;
  bool mine = model.voice_room() == c->name;
  ImGui::TextColored(kDim, "VOICE");
  ImGui::SameLine();
  ImGui::TextDisabled("%zu", c->voice.size());
  if (mine) app.trace_once("shown voice room " + c->name);
  audio::EngineStats stats;
  if (auto* e = mine ? app.engine() : nullptr) stats = e->stats();
  for (const auto& member : c->voice) {
    ImGui::PushID(member.nickname.c_str());
    bool me = member.nickname == model.nickname();
    const audio::SpeakerStats* heard = nullptr;
    for (const auto& s : stats.speakers)
      if (s.name == member.nickname) heard = &s;
    // What I hear is the truth for those I hear; the room's word for the rest.
    bool talking = heard ? heard->talking : member.flags.talking;
    ImGui::TextColored(talking ? kTalking : kDim, talking ? "(o)" : "( )");
    ImGui::SameLine();
    ImGui::TextUnformatted(member.nickname.c_str());
    if (std::string note = core::voice_flags_note(member.flags); !note.empty()) {
      ImGui::SameLine();
      ImGui::TextColored(kWarn, "%s", note.c_str());
    }
    if (mine && !me) {
      float volume = heard ? heard->volume : 1.0f;
      ImGui::SetNextItemWidth(-1);
      if (ImGui::SliderFloat("##volume", &volume, 0.0f, 2.0f, "volume %.1f"))
        app.set_volume(member.nickname, volume);
    }
    ImGui::PopID();
  }
  if (mine) {
    float half = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x) / 2;
    if (ImGui::Button(app.muted() ? "Unmute" : "Mute", ImVec2(half, 0))) app.toggle_mute();
    ImGui::SameLine();
    if (ImGui::Button(app.deafened() ? "Undeafen" : "Deafen", ImVec2(half, 0))) app.toggle_deafen();
    ImGui::PushStyleColor(ImGuiCol_Button, kDangerButton);
    if (ImGui::Button("Leave voice", ImVec2(-1, 0))) app.leave_voice();
    ImGui::PopStyleColor();
    if (!app.voice_problem().empty()) {
      ImGui::PushStyleColor(ImGuiCol_Text, kError);
      ImGui::TextWrapped("%s", app.voice_problem().c_str());
      ImGui::PopStyleColor();
    }
  } else {
    ImGui::PushStyleColor(ImGuiCol_Button, kAcceptButton);
    if (ImGui::Button("Join voice", ImVec2(-1, 0))) app.join_voice(c->name);
    ImGui::PopStyleColor();
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip(model.call_state().phase != core::CallPhase::None || !model.voice_room().empty()
                            ? "Talk with everyone in %s's room (leaves your call or room)"
                            : "Talk with everyone in %s's room",
                        c->name.c_str());
  }
  ImGui::Separator();
}

}  // namespace voixer::app
