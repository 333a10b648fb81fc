// Calls: the call panel, the incoming-call window, the status bar, and the
// settings window.
#include <imgui.h>
#include <imgui_stdlib.h>

#include <chrono>

#include "app/gui/colors.hpp"
#include "app/gui/metrics.hpp"
#include "app/gui/views.hpp"
#include "platform/global_keys.hpp"

namespace voixer::app {

namespace {

using namespace colors;

std::int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string duration_text(std::int64_t ms) {
  long s = static_cast<long>(ms / 1000);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

}  // namespace

void draw_call_panel(GuiApp& app, ViewState& v) {
  const auto& call = app.model().call_state();
  if (call.phase == core::CallPhase::None) {
    ImGui::BeginDisabled(app.model().phase() != core::ConnectionPhase::Connected);
    if (ImGui::Button("Mic test", ImVec2(-1, 0))) app.mic_test();
    ImGui::EndDisabled();
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Hear yourself through the server");
    if (!app.voice_problem().empty()) {  // e.g. why the mic test ended at once
      ImGui::PushStyleColor(ImGuiCol_Text, kError);
      ImGui::TextWrapped("%s", app.voice_problem().c_str());
      ImGui::PopStyleColor();
    }
    ImGui::Separator();
    return;
  }
  // The panel's height follows its content: a row per line, two per person.
  const float row = ImGui::GetFrameHeightWithSpacing();
  float rows = 3;  // title, mute/deafen, hang up
  if (call.phase == core::CallPhase::InCall) {
    rows += 2.0f * call.members.size() - 1 + call.ringing.size();  // me: no volume slider
    rows += 1;                                                     // invite, or the delay
  }
  if (!app.voice_problem().empty()) rows += 2;
  ImGui::PushStyleColor(ImGuiCol_ChildBg, kCallPanel);
  ImGui::BeginChild("call", ImVec2(0, rows * row + ImGui::GetStyle().WindowPadding.y * 2), false,
                    ImGuiWindowFlags_AlwaysUseWindowPadding | ImGuiWindowFlags_NoScrollbar);
  if (call.phase == core::CallPhase::Calling) {
    ImGui::TextColored(kWarn, "Calling %s...", call.peer.c_str());
  } else {
    if (ImGui::IsWindowAppearing()) app.trace("shown call panel");
    ImGui::TextColored(kTalking, "%s  %s", call.echo ? "Mic test" : "In call",
                       duration_text(now_unix_ms() - call.started_unix_ms).c_str());
    audio::EngineStats stats;
    if (auto* e = app.engine()) stats = e->stats();
    for (const auto& member : call.members) {
      ImGui::PushID(member.c_str());
      bool me = member == app.model().nickname();
      const audio::SpeakerStats* sp = nullptr;
      for (const auto& s : stats.speakers)
        if (s.name == member) sp = &s;
      bool talking = me ? stats.transmitting && stats.input_level > audio::kTalkingLevel : sp && sp->talking;
      ImGui::TextColored(talking ? kTalking : kDim, talking ? "(o)" : "( )");
      ImGui::SameLine();
      ImGui::TextUnformatted(member.c_str());
      if (std::string note = core::voice_flags_note(call.flags_of(member)); !note.empty() && !me) {
        ImGui::SameLine();
        ImGui::TextColored(kWarn, "%s", note.c_str());
        app.trace_once("shown " + member + ": " + note);
      }
      if (!me) {
        float volume = sp ? sp->volume : 1.0f;
        ImGui::SetNextItemWidth(-1);
        if (ImGui::SliderFloat("##volume", &volume, 0.0f, 2.0f, "volume %.1f"))
          app.set_volume(member, volume);
      }
      ImGui::PopID();
    }
    for (const auto& r : call.ringing) ImGui::TextColored(kWarn, "ringing %s...", r.c_str());
    if (call.echo) {
      if (stats.loop_delay_ms >= 0) {
        ImGui::TextColored(kDim, "your voice comes back after %.0f ms", stats.loop_delay_ms);
        if (ImGui::IsItemHovered())
          ImGui::SetTooltip("From your microphone to your speakers through the server;\n"
                            "the sound card's own buffers come on top.");
        app.trace_once("shown mic test delay");
      } else {
        ImGui::TextColored(kDim, "say something to measure the delay");
      }
    }
  }
  float half = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x) / 2;
  if (ImGui::Button(app.muted() ? "Unmute" : "Mute", ImVec2(half, 0))) app.toggle_mute();
  ImGui::SameLine();
  if (ImGui::Button(app.deafened() ? "Undeafen" : "Deafen", ImVec2(half, 0))) app.toggle_deafen();
  ImGui::PushStyleColor(ImGuiCol_Button, kDangerButton);
  if (ImGui::Button(call.phase == core::CallPhase::Calling ? "Cancel" : "Hang up", ImVec2(-1, 0)))
    app.hang_up();
  ImGui::PopStyleColor();
  if (call.phase == core::CallPhase::InCall && !call.echo) {
    float button = ImGui::CalcTextSize("Invite").x + ImGui::GetStyle().FramePadding.x * 2;
    ImGui::SetNextItemWidth(-button - ImGui::GetStyle().ItemSpacing.x);
    ImGui::InputTextWithHint("##invite", "nickname", &v.invite_name);
    ImGui::SameLine();
    if (ImGui::Button("Invite") && !v.invite_name.empty()) {
      app.invite(v.invite_name);
      v.invite_name.clear();
    }
  }
  if (!app.voice_problem().empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, kError);
    ImGui::TextWrapped("%s", app.voice_problem().c_str());
    ImGui::PopStyleColor();
  }
  ImGui::EndChild();
  ImGui::PopStyleColor();
  ImGui::Separator();
}

void draw_incoming_call(GuiApp& app, ViewState&) {
  const auto& incoming = app.model().incoming();
  if (!incoming) return;
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(ImVec2(vp->WorkPos.x + vp->WorkSize.x / 2, vp->WorkPos.y + vp->WorkSize.y / 3),
                          ImGuiCond_Always, ImVec2(0.5f, 0.5f));
  ImGui::SetNextWindowSize(ImVec2(340 * metrics::scale(), 0));
  ImGui::Begin("Incoming call", nullptr,
               ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoMove |
                   ImGuiWindowFlags_NoSavedSettings);
  ImGui::Text("%s is calling you", incoming->from.c_str());
  if (ImGui::IsWindowAppearing()) app.trace("shown incoming call from " + incoming->from);
  if (app.model().call_state().phase == core::CallPhase::InCall)
    ImGui::TextDisabled("Accepting leaves your current call.");
  ImGui::Spacing();
  float half = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x) / 2;
  ImGui::PushStyleColor(ImGuiCol_Button, kAcceptButton);
  if (ImGui::Button("Accept", ImVec2(half, 0))) app.accept_call();
  ImGui::PopStyleColor();
  ImGui::SameLine();
  ImGui::PushStyleColor(ImGuiCol_Button, kDangerButton);
  if (ImGui::Button("Deny", ImVec2(half, 0))) app.deny_call();
  ImGui::PopStyleColor();
  ImGui::End();
}

void draw_status_bar(GuiApp& app, ViewState& v) {
  const auto& model = app.model();
  switch (model.phase()) {
    case core::ConnectionPhase::Connected:
      ImGui::TextColored(kTalking, "Connected");
      ImGui::SameLine();
      ImGui::TextDisabled("to %s as %s", app.connected_to().c_str(), model.nickname().c_str());
      if (!app.server_fingerprint().empty()) {
        ImGui::SameLine();
        ImGui::TextDisabled("  sealed: %s", app.server_fingerprint().c_str());
        if (ImGui::IsItemHovered())
          ImGui::SetTooltip("The server's identity. Text and voice are sealed for it alone;\n"
                            "compare these words with the host's screen.");
      }
      break;
    case core::ConnectionPhase::Reconnecting:
      ImGui::TextColored(kWarn, "Reconnecting... (%s)", model.status_text().c_str());
      break;
    case core::ConnectionPhase::Connecting:
      ImGui::TextColored(kWarn, "Connecting...");
      break;
    case core::ConnectionPhase::Refused:
      ImGui::TextColored(kError, "%s", model.status_text().c_str());
      ImGui::SameLine();
      ImGui::SetNextItemWidth(140);
      ImGui::InputTextWithHint("##newnick", "new nickname", &v.new_nickname);
      ImGui::SameLine();
      if (ImGui::SmallButton("Retry")) app.retry_nickname(v.new_nickname);
      break;
    case core::ConnectionPhase::Disconnected:
      ImGui::TextColored(kError, "Disconnected: %s", model.status_text().c_str());
      break;
  }
  if (!app.file_problem().empty()) {
    ImGui::SameLine();
    ImGui::TextColored(kError, "  %s", app.file_problem().c_str());
  }
  if (app.hosting()) {
    ImGui::SameLine();
    std::string where;
    for (const auto& a : app.host_addresses()) where += (where.empty() ? "" : ", ") + a;
    ImGui::TextColored(kWarn, "  Hosting: friends join %s", where.c_str());
  }
  if (int rtt = app.round_trip_ms(); rtt >= 0) {
    ImGui::SameLine();
    ImGui::TextDisabled("  ping %d ms", rtt);
  }
  if (auto* e = app.engine()) {
    auto st = e->stats();
    int depth = 0;
    std::uint64_t lost = 0, received = 0;
    for (const auto& s : st.speakers) {
      depth = std::max(depth, s.buffered_frames);
      lost += s.lost;
      received += s.received;
    }
    ImGui::SameLine();
    ImGui::TextDisabled("  voice loss %.1f%%  buffer %d", received ? 100.0 * lost / received : 0.0, depth);
    ImGui::SameLine();
    ImGui::TextDisabled("  mic");
    ImGui::SameLine();
    ImGui::ProgressBar(std::min(1.0f, st.input_level * 8), ImVec2(80, 0), "");
    if (app.settings().input_mode == audio::InputMode::PushToTalk) {
      ImGui::SameLine();
      ImGui::TextDisabled("hold %s to talk", app.settings().ptt_key.c_str());
    }
  }
  float settings_w = ImGui::CalcTextSize("Settings").x + ImGui::GetStyle().FramePadding.x * 2;
  ImGui::SameLine(ImGui::GetWindowContentRegionMax().x - settings_w);
  if (ImGui::Button("Settings")) v.show_settings = !v.show_settings;
}

void draw_settings(GuiApp& app, ViewState& v) {
  if (!v.show_settings) return;
  auto& s = app.settings();
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(ImVec2(vp->WorkPos.x + vp->WorkSize.x / 2, vp->WorkPos.y + vp->WorkSize.y / 2.5f),
                          ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
  ImGui::SetNextWindowSize(ImVec2(640 * metrics::scale(), 0), ImGuiCond_Appearing);
  if (!ImGui::Begin("Settings", &v.show_settings, ImGuiWindowFlags_NoCollapse)) {
    ImGui::End();
    return;
  }
  // The devices are read again whenever Settings or a device list opens:
  // a headset plugged in while voixer runs is there without a restart.
  auto read_devices = [&](bool input) {
    auto& names = input ? v.input_devices : v.output_devices;
    names = app.audio_devices(input);
    names.insert(names.begin(), "");
  };
  if (ImGui::IsWindowAppearing() || (v.input_devices.empty() && v.output_devices.empty())) {
    read_devices(true);
    read_devices(false);
  }
  auto device_combo = [&](const char* label, std::string& value, bool input) {
    if (ImGui::BeginCombo(label, value.empty() ? "System default" : value.c_str())) {
      if (ImGui::IsWindowAppearing()) read_devices(input);
      for (const auto& n : input ? v.input_devices : v.output_devices) {
        if (ImGui::Selectable(n.empty() ? "System default" : n.c_str(), n == value)) value = n;
        app.trace_once("shown device " + n);
      }
      ImGui::EndCombo();
    }
  };
  device_combo("Microphone", s.input_device, true);
  device_combo("Speakers", s.output_device, false);
  ImGui::Separator();
  int mode = static_cast<int>(s.input_mode);
  ImGui::RadioButton("Voice activation", &mode, 0);
  ImGui::SameLine();
  ImGui::RadioButton("Push to talk", &mode, 1);
  ImGui::SameLine();
  ImGui::RadioButton("Always on", &mode, 2);
  s.input_mode = static_cast<audio::InputMode>(mode);
  if (s.input_mode == audio::InputMode::VoiceActivation) {
    float level = app.engine() ? app.engine()->input_level() : 0.0f;
    ImGui::ProgressBar(std::min(1.0f, level * 8), ImVec2(-1, 0),
                       app.engine() ? "your level" : "your level (start the Mic test to see it)");
    float shown = s.activation_level * 8;
    if (ImGui::SliderFloat("Threshold", &shown, 0.0f, 1.0f, "%.2f")) s.activation_level = shown / 8;
    ImGui::TextWrapped("Speak: the bar must pass the threshold for your voice to go out.");
  }
  if (s.input_mode == audio::InputMode::PushToTalk) {
    if (ImGui::BeginCombo("Push-to-talk key", s.ptt_key.c_str())) {
      for (const auto& key : platform::push_to_talk_keys())
        if (ImGui::Selectable(key.name, s.ptt_key == key.name)) s.ptt_key = key.name;
      ImGui::EndCombo();
    }
    if (std::string problem = app.push_to_talk_problem(); problem.empty()) {
      ImGui::TextDisabled("Hold it while any window has the focus, a game too (not while typing "
                          "here).\nOnly this key is watched.");
    } else {
      ImGui::PushStyleColor(ImGuiCol_Text, kWarn);
      ImGui::TextWrapped("%s", problem.c_str());
      ImGui::PopStyleColor();
      app.trace_once("shown push-to-talk problem: " + problem);
      if (ImGui::Button("Use voice activation instead"))
        s.input_mode = audio::InputMode::VoiceActivation;
    }
  }
  ImGui::Checkbox("Noise suppression", &s.noise_suppression);
  ImGui::Checkbox("Echo cancellation", &s.echo_cancellation);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("On speakers, others do not hear themselves back through your microphone.\n"
                      "Not needed with a headset.");
  ImGui::Checkbox("Flash the taskbar when someone names me or writes to me", &s.flash_on_mention);
  ImGui::Checkbox("Show a desktop notification for them too", &s.notify_desktop);
  int frame = s.frame_ms == 10 ? 0 : 1;
  ImGui::RadioButton("10 ms frames (lower delay)", &frame, 0);
  ImGui::SameLine();
  ImGui::RadioButton("20 ms frames (less bandwidth)", &frame, 1);
  s.frame_ms = frame == 0 ? 10 : 20;
  ImGui::Checkbox("Low-delay codec", &s.low_delay);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Others hear you 4 ms sooner. A packet lost on the way is then\n"
                      "concealed instead of recovered: best on a wired LAN.");
  ImGui::TextWrapped("Devices, sound processing, frame size and codec apply from the next call.");
  if (ImGui::Button("Save")) {
    app.save_settings();
    v.show_settings = false;
  }
  ImGui::End();
}

}  // namespace voixer::app
