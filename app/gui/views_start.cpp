// The first screen: nickname, Host (port) and Join (address, recent servers).
#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>

#include "app/gui/colors.hpp"
#include "app/gui/metrics.hpp"
#include "app/gui/views.hpp"
#include "core/address.hpp"

namespace voixer::app {

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
    ImGui::TableNextColumn();
    if (ImGui::Button("Join", ImVec2(-1, 0)) || enter) app.join();
    if (!app.settings().recent.empty()) {
      ImGui::Spacing();
      ImGui::TextDisabled("Recent servers");
      for (const auto& r : app.settings().recent)
        if (ImGui::Selectable(r.c_str())) app.join_recent(r);
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
  ImGui::PopStyleVar(2);
  ImGui::End();
}

}  // namespace voixer::app
