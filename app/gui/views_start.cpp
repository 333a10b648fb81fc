// The first screen: nickname, Host (port, name) and Join (address, recent
// servers), and the servers found on the network.
#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>

#include "app/gui/colors.hpp"
#include "app/gui/metrics.hpp"
#include "app/gui/views.hpp"
#include "core/address.hpp"

namespace voixer::app {

void draw_lan_servers(GuiApp& app, float width, float scale);

void draw_start_screen(GuiApp& app, ViewState&) {
  auto& form = app.form();
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(vp->WorkSize);
  ImGui::Begin("start", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                   ImGuiWindowFlags_NoBringToFrontOnFocus);
  const float scale = metrics::scale();
  const float width = 580 * scale, height = 440 * scale;
  ImGui::SetCursorPos(ImVec2((vp->WorkSize.x - width) / 2, std::max(20.0f, (vp->WorkSize.y - height) / 2.5f)));
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(28 * scale, 22 * scale));
  ImGui::PushStyleVar(ImGuiStyleVar_ChildRounding, 10 * scale);
  ImGui::BeginChild("card", ImVec2(width, height), false, ImGuiWindowFlags_AlwaysUseWindowPadding);

  ImGui::PushFont(ImGui::GetIO().Fonts->Fonts.back());
  ImGui::TextUnformatted("Voixer");
  ImGui::PopFont();
  ImGui::TextDisabled("Voice and text chat for the LAN party. No account, no internet.");
  ImGui::Spacing();
  ImGui::Separator();
  ImGui::Spacing();

  ImGui::TextUnformatted("Your nickname");
  ImGui::SetNextItemWidth(-1);
  ImGui::InputText("##nickname", &form.nickname);
  ImGui::TextUnformatted("Server password");
  ImGui::SameLine();
  ImGui::TextDisabled("(optional: to host a closed server, or to join one)");
  ImGui::SetNextItemWidth(-1);
  ImGui::InputText("##password", &form.password, ImGuiInputTextFlags_Password);
  ImGui::Spacing();

  // Two ways in, side by side, row by row so the columns line up.
  if (ImGui::BeginTable("ways", 2, ImGuiTableFlags_SizingStretchSame)) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted("Host a server here");
    ImGui::TableNextColumn();
    ImGui::TextUnformatted("Join a server");
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextDisabled("Friends join you");
    ImGui::TableNextColumn();
    ImGui::TextDisabled("e.g. 192.168.1.20:%u", static_cast<unsigned>(core::kDefaultPort));
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::SetNextItemWidth(-1);
    ImGui::InputTextWithHint("##port", "port", &form.port, ImGuiInputTextFlags_CharsDecimal);
    ImGui::TableNextColumn();
    ImGui::SetNextItemWidth(-1);
    bool enter = ImGui::InputTextWithHint("##address", "address", &form.address,
                                          ImGuiInputTextFlags_EnterReturnsTrue);
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    if (ImGui::Button("Host", ImVec2(-1, 0))) app.host();
    if (form.offer_other_port) {
      int port = std::atoi(form.port.c_str());
      std::string other = std::to_string(port >= 65535 ? core::kDefaultPort : port + 1);
      if (ImGui::Button(("Use port " + other + " instead").c_str(), ImVec2(-1, 0))) {
        form.port = other;
        app.host();
      }
    }
    ImGui::SetNextItemWidth(-1);
    ImGui::InputTextWithHint("##servername", ("server name: " + form.nickname + "'s server").c_str(),
                             &form.server_name);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("The name friends see in their list of servers");
    ImGui::Checkbox("Sealed clients only", &form.sealed_only);
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("Refuse plain-text clients such as nc. Voixer's own clients\n"
                        "always seal text and voice.");
    ImGui::TableNextColumn();
    if (ImGui::Button("Join", ImVec2(-1, 0)) || enter) app.join();
    if (!app.settings().recent.empty()) {
      ImGui::Spacing();
      ImGui::TextDisabled("Recent servers");
      for (const auto& r : app.settings().recent) {
        // The identity remembered for it, to compare with the host's screen.
        std::string words = app.known_fingerprint(r);
        std::string label = words.empty() ? r : r + "   " + words;
        if (ImGui::Selectable((label + "##" + r).c_str())) app.join_recent(r);
      }
    }
    ImGui::EndTable();
  }

  if (app.model().phase() == core::ConnectionPhase::Connecting && form.error.empty()) {
    ImGui::Spacing();
    ImGui::TextDisabled("Connecting to %s ...", app.connected_to().c_str());
  }
  if (!form.error.empty()) {
    ImGui::Spacing();
    ImGui::PushStyleColor(ImGuiCol_Text, colors::kError);
    ImGui::TextWrapped("%s", form.error.c_str());
    ImGui::PopStyleColor();
    if (app.model().phase() == core::ConnectionPhase::Refused)
      ImGui::TextDisabled("Change your nickname above and press Join or Host again.");
  }
  ImGui::EndChild();
  draw_lan_servers(app, width, scale);
  ImGui::PopStyleVar(2);
  ImGui::End();
  draw_identity_warning(app);
}

// Under the card: the servers on the network, live, each joined with a click.
void draw_lan_servers(GuiApp& app, float width, float scale) {
  ImGui::SetCursorPosX((ImGui::GetMainViewport()->WorkSize.x - width) / 2);
  ImGui::BeginChild("lan", ImVec2(width, 170 * scale), false, ImGuiWindowFlags_AlwaysUseWindowPadding);
  auto servers = app.lan_servers();
  ImGui::TextUnformatted("On your network");
  ImGui::SameLine();
  ImGui::TextDisabled(servers.empty() ? "(looking...)" : "(click one to join)");
  if (ImGui::BeginTable("servers", 5, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp)) {
    for (const auto& s : servers) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      std::string label = s.info.name + "##" + s.address();
      if (ImGui::Selectable(label.c_str(), false, ImGuiSelectableFlags_SpanAllColumns))
        app.join_lan(s);
      ImGui::TableNextColumn();
      ImGui::TextDisabled("%s", s.info.host.empty() ? "" : ("host " + s.info.host).c_str());
      ImGui::TableNextColumn();
      ImGui::Text("%zu %s%s", s.info.users, s.info.users == 1 ? "user" : "users",
                  s.info.locked ? "  (password)" : "");
      ImGui::TableNextColumn();
      ImGui::TextDisabled("%s", s.address().c_str());
      ImGui::TableNextColumn();
      ImGui::TextDisabled("%d ms", s.rtt_ms);
      app.trace_once("shown LAN server " + s.info.name + " " + s.address());
    }
    ImGui::EndTable();
  }
  ImGui::EndChild();
}

void draw_identity_warning(GuiApp& app) {
  if (!app.identity_changed()) return;
  const char* title = "The server's identity has changed";
  if (!ImGui::IsPopupOpen(title)) {
    ImGui::OpenPopup(title);
    app.trace("shown identity warning");
  }
  ImGui::SetNextWindowSize(ImVec2(520 * metrics::scale(), 0));
  if (!ImGui::BeginPopupModal(title, nullptr, ImGuiWindowFlags_NoResize)) return;
  ImGui::PushStyleColor(ImGuiCol_Text, colors::kError);
  ImGui::TextWrapped("%s.", app.identity_change_message().c_str());
  ImGui::PopStyleColor();
  ImGui::Spacing();
  ImGui::TextWrapped(
      "Someone on the network may be pretending to be this server to read your messages. "
      "Trust the new identity only if the host tells you they made a new one: their status bar "
      "shows its words.");
  ImGui::Spacing();
  float half = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x) / 2;
  if (ImGui::Button("Cancel", ImVec2(half, 0))) {
    app.cancel_new_identity();
    ImGui::CloseCurrentPopup();
  }
  ImGui::SameLine();
  ImGui::PushStyleColor(ImGuiCol_Button, colors::kDangerButton);
  if (ImGui::Button("Trust the new identity", ImVec2(half, 0))) {
    app.trust_new_identity();
    ImGui::CloseCurrentPopup();
  }
  ImGui::PopStyleColor();
  ImGui::EndPopup();
}

}  // namespace voixer::app
