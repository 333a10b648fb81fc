// The window's panels: one draw function each, reading the GuiApp (and its
// client model) and calling its intents. ImGui only, on the UI thread.
#pragma once

#include <utility>
#include <vector>

#include "app/gui/gui_app.hpp"
#include "app/gui/thumbnails.hpp"

namespace voixer::app {

struct ViewState;  // widget-only state (text being typed, open popups)

void draw_start_screen(GuiApp& app, ViewState& v);
// A modal when the server's identity is not the trusted one: trust or cancel.
void draw_identity_warning(GuiApp& app);
void draw_channels_panel(GuiApp& app, ViewState& v);
void draw_conversation_panel(GuiApp& app, ViewState& v);
void draw_users_panel(GuiApp& app, ViewState& v);
void draw_bans(GuiApp& app);
void draw_call_panel(GuiApp& app, ViewState& v);
void draw_voice_room(GuiApp& app, ViewState& v);  // the active channel's voice room
void draw_incoming_call(GuiApp& app, ViewState& v);
void draw_status_bar(GuiApp& app, ViewState& v);
void draw_settings(GuiApp& app, ViewState& v);
// A shared file in a conversation (views_files.cpp), and my uploads under way.
void draw_file_line(GuiApp& app, ViewState& v, const core::ChatLine& line);
void draw_uploads(GuiApp& app, const std::string& conversation);

// Everything on the main screen, laid out: left, middle, right, bottom.
void draw_main_screen(GuiApp& app, ViewState& v);

struct ViewState {
  std::string message;          // the chat input line
  std::string join_name;        // "join or create a channel"
  std::string topic;            // topic being edited
  bool editing_topic = false;
  std::string new_nickname;     // after NICKNAMEINUSE
  std::string invite_name;
  bool show_settings = false;
  bool main_shown = false;      // for the test trace
  bool refocus_input = false;   // keep focus in the chat input after Enter
  std::size_t seen_lines = 0;   // lines of the active conversation already drawn
  float log_scroll_y = 0;       // where the log was scrolled to in the last frame
  std::string search;           // words in the conversation's search box
  std::int64_t first_line_ms = 0;  // time of the log's first line in the last frame
  std::string seen_conversation;
  std::vector<std::string> input_devices, output_devices;  // for Settings
  Thumbnails thumbnails;        // of the images shared in conversations
};

}  // namespace voixer::app
