// The main screen: channels on the left, the conversation in the middle,
// the channel's users (and the call panel) on the right, status at the bottom.
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>  // key codes: ImGui 1.86 indexes keys by the backend's
#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <ctime>

#include "core/names.hpp"
#include "app/gui/colors.hpp"
#include "app/gui/metrics.hpp"
#include "app/gui/views.hpp"
#include "core/links.hpp"

namespace voixer::app {

namespace {

using namespace colors;

std::string clock_text(std::int64_t unix_ms) {
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M", &tm);
  return buf;
}

// The web links of a message under it, each opened in the browser with a click.
void draw_links(GuiApp& app, const std::string& text, int line_index) {
  for (const auto& link : core::find_links(text)) {
    std::string url = text.substr(link.start, link.length);
    ImGui::Indent(ImGui::GetFontSize() * 4);
    ImGui::PushID(line_index);
    ImGui::PushID(static_cast<int>(link.start));
    ImGui::TextColored(kLink, "-> %s", url.c_str());
    if (ImGui::IsItemHovered()) {
      ImGui::SetMouseCursor(ImGuiMouseCursor_Hand);
      ImGui::SetTooltip("Open in the browser");
    }
    if (ImGui::IsItemClicked()) app.open_link(url);
    ImGui::PopID();
    ImGui::PopID();
    ImGui::Unindent(ImGui::GetFontSize() * 4);
  }
}

}  // namespace

void draw_channels_panel(GuiApp& app, ViewState& v) {
  const auto& model = app.model();
  ImGui::TextColored(kDim, "CHANNELS");
  for (const auto& c : model.conversations()) {
    if (!c.is_channel) continue;
    bool active = model.active() && model.active()->name == c.name;
    std::string label = c.name;
    if (c.unread > 0) label += "  (" + std::to_string(c.unread) + ")";
    // Mentions are counted apart, in their own colour: they are for you.
    if (c.unread_mentions > 0) label += "  @" + std::to_string(c.unread_mentions);
    if (!c.voice.empty()) label += "  voice " + std::to_string(c.voice.size());
    bool styled = !c.joined || c.unread_mentions > 0;
    if (styled) ImGui::PushStyleColor(ImGuiCol_Text, c.unread_mentions > 0 ? kMention : kDim);
    if (ImGui::Selectable((label + "##ch" + c.name).c_str(), active)) app.open_conversation(c.name);
    if (styled) ImGui::PopStyleColor();
    if (ImGui::BeginPopupContextItem()) {
      if (c.joined && ImGui::MenuItem("Leave")) app.leave_channel(c.name);
      if (!c.joined && ImGui::MenuItem("Join again")) app.join_channel(c.name);
      if (ImGui::MenuItem("Close")) app.close_conversation(c.name);
      ImGui::EndPopup();
    }
  }
  ImGui::Spacing();
  ImGui::TextColored(kDim, "DIRECT MESSAGES");
  for (const auto& c : model.conversations()) {
    if (c.is_channel) continue;
    bool active = model.active() && model.active()->name == c.name;
    std::string label = "@" + c.name;
    if (c.unread > 0) label += "  (" + std::to_string(c.unread) + ")";
    if (ImGui::Selectable((label + "##dm" + c.name).c_str(), active)) app.open_conversation(c.name);
    if (ImGui::BeginPopupContextItem()) {
      if (ImGui::MenuItem("Close")) app.close_conversation(c.name);
      ImGui::EndPopup();
    }
  }
  ImGui::Spacing();
  ImGui::Separator();
  ImGui::TextColored(kDim, "JOIN OR CREATE");
  ImGui::SetNextItemWidth(-1);
  if (ImGui::InputTextWithHint("##join", "#channel, Enter", &v.join_name,
                               ImGuiInputTextFlags_EnterReturnsTrue) &&
      !v.join_name.empty()) {
    app.join_channel(v.join_name);
    v.join_name.clear();
  }
  ImGui::Spacing();
  if (ImGui::CollapsingHeader("All channels")) {
    if (ImGui::SmallButton("Refresh")) app.refresh_channel_list();
    for (const auto& l : model.channel_list()) {
      std::string label = l.name + "  " + std::to_string(l.members);
      if (ImGui::Selectable(label.c_str())) app.join_channel(l.name);
      if (!l.topic.empty() && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", l.topic.c_str());
    }
  }
}

// On the right of the header, as tall as its small buttons so the log
// below does not move.
void draw_search_box(GuiApp& app, ViewState& v, const core::Conversation& c) {
  if (v.editing_topic) return;  // the topic takes the whole line then
  constexpr float kWidth = 170;
  ImGui::SameLine(std::max(ImGui::GetCursorPosX(), ImGui::GetContentRegionMax().x - kWidth));
  ImGui::SetNextItemWidth(kWidth);
  ImGui::PushStyleVar(ImGuiStyleVar_FramePadding,
                      ImVec2(ImGui::GetStyle().FramePadding.x, 0));
  // Ctrl+F goes to the box, as in a browser or Discord.
  const ImGuiIO& io = ImGui::GetIO();
  if (io.KeyCtrl && ImGui::IsKeyPressed(GLFW_KEY_F, false)) ImGui::SetKeyboardFocusHere();
  if (ImGui::InputTextWithHint("##search", "Search", &v.search,
                               ImGuiInputTextFlags_EnterReturnsTrue))
    app.search(c.name, v.search);
  if (ImGui::IsItemActivated()) app.trace("search box focused");
  ImGui::PopStyleVar();
}

// What the search box found in this conversation, newest first, above the
// log, until closed.
void draw_search_results(GuiApp& app, const core::Conversation& c) {
  const auto& r = app.model().search_results();
  if (r.place.empty() || core::fold_case(r.place) != core::fold_case(c.name)) return;
  std::string title = !r.done ? "Searching for \"" + r.words + "\"..."
                      : r.lines.empty() ? "Nothing found for \"" + r.words + "\""
                                        : std::to_string(r.lines.size()) + " found for \"" +
                                              r.words + "\", newest first";
  ImGui::TextColored(kDim, "%s", title.c_str());
  if (r.done) app.trace_once("search " + r.words + ": " + std::to_string(r.lines.size()) + " found");
  ImGui::SameLine();
  if (ImGui::SmallButton("Close search")) app.clear_search();
  if (!r.lines.empty()) {
    float height = std::min(ImGui::GetTextLineHeightWithSpacing() * (r.lines.size() + 0.5f),
                            ImGui::GetContentRegionAvail().y * 0.4f);
    ImGui::BeginChild("found", ImVec2(0, height), true);
    for (const auto& line : r.lines) {
      ImGui::TextColored(kDim, "%s", clock_text(line.unix_ms).c_str());
      ImGui::SameLine();
      ImGui::TextColored(kAccent, "%s", line.sender.c_str());
      ImGui::SameLine();
      ImGui::PushTextWrapPos(0);
      ImGui::TextUnformatted(line.text.c_str());
      ImGui::PopTextWrapPos();
    }
    ImGui::EndChild();
  }
  ImGui::Separator();
}

void draw_conversation_panel(GuiApp& app, ViewState& v) {
  const auto& model = app.model();
  const core::Conversation* c = model.active();
  if (!c) {
    ImGui::TextDisabled("Join a channel on the left.");
    return;
  }
  // A conversation just opened: the message box has the focus.
  if (v.seen_conversation != c->name) v.refocus_input = true;
  // Header: name, topic (click to edit), and the search box on the right.
  ImGui::TextColored(kAccent, "%s", c->name.c_str());
  if (c->is_channel && c->joined) {
    ImGui::SameLine();
    bool in_room = model.voice_room() == c->name;
    if (ImGui::SmallButton(in_room ? "Leave voice" : "Join voice")) {
      if (in_room) {
        app.leave_voice();
      } else {
        app.join_voice(c->name);
      }
    }
  }
  if (c->is_channel) {
    ImGui::SameLine();
    if (v.editing_topic) {
      ImGui::SetNextItemWidth(-1);
      if (ImGui::InputText("##topic", &v.topic, ImGuiInputTextFlags_EnterReturnsTrue)) {
        app.set_topic(v.topic);
        v.editing_topic = false;
      }
    } else {
      ImGui::TextDisabled("%s", c->topic.empty() ? "(no topic: click to set one)" : c->topic.c_str());
      if (ImGui::IsItemClicked()) {
        v.topic = c->topic;
        v.editing_topic = true;
      }
    }
  }
  draw_search_box(app, v, *c);
  ImGui::Separator();
  draw_search_results(app, *c);

  // The log: clipped, and it follows new lines only if already at the bottom.
  const float input_height =
      ImGui::GetFrameHeightWithSpacing() * (1 + app.uploads(c->name).size()) +
      ImGui::GetStyle().ItemSpacing.y;
  ImGui::BeginChild("log", ImVec2(0, -input_height), false);
  if (c->older_before_unix_ms != 0 && ImGui::SmallButton("Load older messages"))
    app.load_older(c->name);
  // Scrolling up to the top loads the page before it, like any chat. Only
  // on arriving there: the page then lands above without asking for more.
  const float scroll_y = ImGui::GetScrollY();
  if (c->older_before_unix_ms != 0 && scroll_y <= 0 && v.log_scroll_y > 0 &&
      v.seen_conversation == c->name)
    app.load_older(c->name);
  v.log_scroll_y = scroll_y;
  bool new_lines = v.seen_conversation != c->name || v.seen_lines != c->lines.size();
  bool at_bottom = ImGui::GetScrollY() >= ImGui::GetScrollMaxY() - 2;
  // The clipper draws only the lines in view, but it takes every line to
  // be as tall as the first: with files (thumbnails) every line is drawn.
  bool has_files = std::any_of(c->lines.begin(), c->lines.end(),
                               [](const core::ChatLine& l) { return l.file.has_value(); });
  auto draw_line = [&](int i) {
    const auto& line = c->lines[static_cast<std::size_t>(i)];
    ImGui::TextColored(kDim, "%s", clock_text(line.unix_ms).c_str());
    ImGui::SameLine();
    switch (line.kind) {
      case core::ChatLine::Kind::File:
        draw_file_line(app, v, line);
        break;
      case core::ChatLine::Kind::Notice:
        ImGui::TextColored(kDim, "%s", line.text.c_str());
        break;
      case core::ChatLine::Kind::Error:
        ImGui::TextColored(kError, "%s", line.text.c_str());
        break;
      default: {
        ImGui::TextColored(line.kind == core::ChatLine::Kind::Own ? kOwn : kAccent, "%s",
                           line.sender.c_str());
        ImGui::SameLine();
        ImGui::PushTextWrapPos(0);
        if (line.mention) {
          ImGui::TextColored(kMention, "%s", line.text.c_str());
        } else if (line.kind == core::ChatLine::Kind::History) {
          ImGui::TextColored(kText, "%s", line.text.c_str());
        } else {
          ImGui::TextUnformatted(line.text.c_str());
        }
        ImGui::PopTextWrapPos();
        draw_links(app, line.text, i);
      }
    }
  };
  if (has_files) {
    for (int i = 0; i < static_cast<int>(c->lines.size()); ++i) draw_line(i);
  } else {
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(c->lines.size()));
    while (clipper.Step())
      for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) draw_line(i);
  }
  if (new_lines && (at_bottom || v.seen_conversation != c->name)) ImGui::SetScrollHereY(1.0f);
  // A page of older messages lands above: the first line is older now.
  if (v.seen_conversation == c->name && !c->lines.empty() && v.first_line_ms != 0 &&
      c->lines.front().unix_ms < v.first_line_ms)
    app.trace("shown older " + c->name + " " + c->lines.front().sender + ": " + c->lines.front().text);
  v.first_line_ms = c->lines.empty() ? 0 : c->lines.front().unix_ms;
  if (new_lines) {
    std::size_t from = v.seen_conversation == c->name ? v.seen_lines : 0;
    for (std::size_t i = from; i < c->lines.size(); ++i)
      app.trace("shown " + c->name + " " + c->lines[i].sender + ": " + c->lines[i].text);
  }
  v.seen_conversation = c->name;
  v.seen_lines = c->lines.size();
  ImGui::EndChild();

  // Input: Enter sends and keeps the focus here.
  ImGui::Separator();
  draw_uploads(app, c->name);
  if (v.refocus_input) {
    ImGui::SetKeyboardFocusHere();
    v.refocus_input = false;
  }
  ImGui::SetNextItemWidth(-80);
  std::string hint = "Message " + c->name + " (drop files here to share them)";
  if (ImGui::InputTextWithHint("##message", hint.c_str(), &v.message,
                               ImGuiInputTextFlags_EnterReturnsTrue)) {
    app.send_text(v.message);
    v.message.clear();
    v.refocus_input = true;
  }
  if (ImGui::IsItemActivated()) app.trace("message box focused");
  ImGui::SameLine();
  if (ImGui::Button("Send", ImVec2(-1, 0))) {
    app.send_text(v.message);
    v.message.clear();
    v.refocus_input = true;
  }
}

void draw_users_panel(GuiApp& app, ViewState&) {
  const auto& model = app.model();
  const core::Conversation* c = model.active();
  ImGui::TextColored(kDim, "IN THIS CHANNEL");
  if (!c || !c->is_channel) return;
  bool can_call = model.phase() == core::ConnectionPhase::Connected;
  for (const auto& user : c->members) {
    ImGui::PushID(user.c_str());
    bool me = user == model.nickname();
    ImGui::TextUnformatted(user.c_str());
    // Right-click on the name: message, and for operators kick or ban.
    if (!me && ImGui::BeginPopupContextItem("user")) {
      if (ImGui::MenuItem("Message")) app.open_conversation(user);
      if (model.is_operator()) {
        ImGui::Separator();
        if (ImGui::MenuItem("Kick (out for a minute)")) app.kick(user);
        if (ImGui::MenuItem("Ban for an hour")) app.ban(user, 60);
        if (ImGui::MenuItem("Ban for a day")) app.ban(user, 24 * 60);
        if (ImGui::MenuItem("Ban until the server restarts")) app.ban(user, 0);
      }
      ImGui::EndPopup();
    }
    if (me) {
      ImGui::SameLine();
      ImGui::TextDisabled("(you)");
    } else if (model.in_my_call(user)) {
      ImGui::SameLine();
      ImGui::TextColored(kOwn, "in call");
    } else {
      float button = ImGui::CalcTextSize("Call").x + ImGui::GetStyle().FramePadding.x * 2;
      ImGui::SameLine(ImGui::GetWindowContentRegionMax().x - button);
      ImGui::BeginDisabled(!can_call);
      if (ImGui::SmallButton("Call")) app.call(user);
      ImGui::EndDisabled();
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("Voice call with %s", user.c_str());
    }
    ImGui::PopID();
  }
  draw_bans(app);
}

// Operators: who is kept out, each with an Unban button.
void draw_bans(GuiApp& app) {
  const auto& bans = app.model().bans();
  if (!app.model().is_operator() || bans.empty()) return;
  ImGui::Spacing();
  ImGui::TextColored(kDim, "BANNED");
  for (const auto& b : bans) {
    ImGui::PushID(b.nickname.c_str());
    std::string until = b.until_unix_ms == 0 ? "until restart" : "until " + clock_text(b.until_unix_ms);
    ImGui::TextUnformatted(b.nickname.c_str());
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("%s, %s%s%s", b.address.empty() ? "no address" : b.address.c_str(),
                        until.c_str(), b.reason.empty() ? "" : ": ", b.reason.c_str());
    float button = ImGui::CalcTextSize("Unban").x + ImGui::GetStyle().FramePadding.x * 2;
    ImGui::SameLine(ImGui::GetWindowContentRegionMax().x - button);
    if (ImGui::SmallButton("Unban")) app.unban(b.nickname);
    ImGui::PopID();
  }
}

void draw_main_screen(GuiApp& app, ViewState& v) {
  if (!v.main_shown) {
    v.main_shown = true;
    app.trace("shown main screen");
  }
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(vp->WorkSize);
  ImGui::Begin("main", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                   ImGuiWindowFlags_NoBringToFrontOnFocus);
  const float scale = metrics::scale();
  const float side = 230 * scale;
  const float status = ImGui::GetFrameHeightWithSpacing() + 4;
  ImGui::BeginChild("left", ImVec2(side, -status), true);
  draw_channels_panel(app, v);
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("middle", ImVec2(-side - ImGui::GetStyle().ItemSpacing.x, -status), true);
  draw_conversation_panel(app, v);
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("right", ImVec2(0, -status), true);
  draw_call_panel(app, v);
  draw_voice_room(app, v);
  draw_users_panel(app, v);
  ImGui::EndChild();
  draw_status_bar(app, v);
  ImGui::End();
  draw_incoming_call(app, v);
  draw_settings(app, v);
  draw_identity_warning(app);
}

}  // namespace voixer::app
