// The window: GLFW + OpenGL 3 + Dear ImGui. Renders only while something
// changes (input, a network event, a call on screen) and otherwise sleeps
// in glfwWaitEventsTimeout, so an idle window costs close to nothing.
#include "app/gui/gui_main.hpp"

#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>
#include <stb/stb_image.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>

#include "app/args.hpp"
#include "app/gui/colors.hpp"
#include "app/gui/gui_app.hpp"
#include "app/gui/metrics.hpp"
#include "app/gui/views.hpp"
#include "core/address.hpp"
#include "platform/desktop.hpp"
#include "platform/fonts.hpp"
#include "platform/paths.hpp"

namespace voixer::app {

const char* const kGuiHelp =
    "usage: voixer [--nick NAME] [--join HOST[:PORT] | --host [--port N]]\n"
    "Opens the Voixer window. Without options it shows the start screen.\n"
    "\n"
    "  --nick NAME          nickname (default: the last one used, or your user name)\n"
    "  --join HOST[:PORT]   skip the start screen and join this server\n"
    "  --host               skip the start screen and host a server here\n"
    "  --port N             the port to host on (default 8649)\n"
    "for scripts and tests:\n"
    "  --audio-in FILE.wav  microphone from a WAV file (as in voixer cli)\n"
    "  --audio-out FILE.wav record what would be played to a WAV file\n"
    "  --trace FILE         append a line to FILE for what the window shows\n"
    "  --download-dir DIR   where downloaded files go (default: ~/Downloads)\n"
    "  --discovery-port N   UDP port of LAN discovery (default 8648)\n"
    "  --report-startup     print the time to the first frame on stderr\n"
    "  --help               this text\n";

namespace {

// Set by GLFW callbacks (chained before ImGui's): the window must redraw.
bool g_input = false;
// Set by SIGINT/SIGTERM: close the window as if its close button was pressed.
volatile std::sig_atomic_t g_stop = 0;

void mark_input(GLFWwindow*) { g_input = true; }

// Files dropped on the window, taken by the UI loop (GLFW calls back from
// glfwWaitEvents, on the UI thread).
std::vector<std::string> g_dropped;

void install_input_callbacks(GLFWwindow* w) {
  glfwSetCursorPosCallback(w, [](GLFWwindow* win, double, double) { mark_input(win); });
  glfwSetMouseButtonCallback(w, [](GLFWwindow* win, int, int, int) { mark_input(win); });
  glfwSetScrollCallback(w, [](GLFWwindow* win, double, double) { mark_input(win); });
  glfwSetKeyCallback(w, [](GLFWwindow* win, int, int, int, int) { mark_input(win); });
  glfwSetCharCallback(w, [](GLFWwindow* win, unsigned int) { mark_input(win); });
  glfwSetWindowFocusCallback(w, [](GLFWwindow* win, int) { mark_input(win); });
  glfwSetWindowSizeCallback(w, [](GLFWwindow* win, int, int) { mark_input(win); });
  glfwSetWindowRefreshCallback(w, [](GLFWwindow* win) { mark_input(win); });
  glfwSetDropCallback(w, [](GLFWwindow* win, int count, const char** paths) {
    for (int i = 0; i < count; ++i) g_dropped.emplace_back(paths[i]);
    mark_input(win);
  });
}

void load_fonts(float scale) {
  ImGuiIO& io = ImGui::GetIO();
  // Through fontconfig; ImGui aborts on a missing file, and find_font only
  // returns files that exist. DejaVu has every glyph below; another sans
  // may lack some (they show as '?').
  std::string regular = platform::find_font("DejaVu Sans");
  std::string bold = platform::find_font("DejaVu Sans", platform::FontWeight::Bold);
  // More than ImGui's Latin-1 default: accents of every European language,
  // Greek, Cyrillic, dashes and quotes, arrows, symbols (DejaVu has them).
  static const ImWchar kRanges[] = {0x0020, 0x024F, 0x0370, 0x03FF, 0x0400, 0x052F,
                                    0x2000, 0x206F, 0x20A0, 0x20CF, 0x2100, 0x214F,
                                    0x2190, 0x21FF, 0x2200, 0x22FF, 0x2500, 0x26FF, 0};
  if (!regular.empty()) {
    io.Fonts->AddFontFromFileTTF(regular.c_str(), metrics::kBaseFontPixels * scale, nullptr, kRanges);
  } else {
    ImFontConfig c;
    c.SizePixels = 13.0f * scale;
    io.Fonts->AddFontDefault(&c);
  }
  // The last font is the title font.
  if (!bold.empty()) {
    io.Fonts->AddFontFromFileTTF(bold.c_str(), metrics::kTitleFontPixels * scale);
  } else {
    ImFontConfig c;
    c.SizePixels = 26.0f * scale;
    io.Fonts->AddFontDefault(&c);
  }
}

// The window's icon (taskbar, alt-tab), from the installed PNG.
void set_icon(GLFWwindow* window) {
  std::string path = platform::find_asset("voixer-256.png");
  if (path.empty()) return;
  int w = 0, h = 0, channels = 0;
  unsigned char* pixels = stbi_load(path.c_str(), &w, &h, &channels, 4);
  if (!pixels) return;
  GLFWimage image{w, h, pixels};
  glfwSetWindowIcon(window, 1, &image);
  stbi_image_free(pixels);
}

void style(float scale) {
  ImGui::StyleColorsDark();
  ImGuiStyle& s = ImGui::GetStyle();
  s.WindowRounding = 0;
  s.ChildRounding = 4;
  s.FrameRounding = 4;
  s.GrabRounding = 4;
  s.FramePadding = ImVec2(8, 5);
  s.ItemSpacing = ImVec2(8, 6);
  s.Colors[ImGuiCol_WindowBg] = colors::kWindow;
  s.Colors[ImGuiCol_ChildBg] = colors::kPanel;
  s.Colors[ImGuiCol_Button] = colors::kButton;
  s.Colors[ImGuiCol_ButtonHovered] = colors::kButtonHovered;
  s.ScaleAllSizes(scale);
}

}  // namespace

namespace {

// Is the chosen push-to-talk key (or mouse button) held, as this window
// sees it (only while it has the focus)? The names are those of
// platform::push_to_talk_keys().
bool push_to_talk_held(GLFWwindow* window, const std::string& name) {
  static const std::pair<const char*, int> kCodes[] = {
      {"Left Ctrl", GLFW_KEY_LEFT_CONTROL}, {"Right Ctrl", GLFW_KEY_RIGHT_CONTROL},
      {"Left Alt", GLFW_KEY_LEFT_ALT},      {"Left Shift", GLFW_KEY_LEFT_SHIFT},
      {"Caps Lock", GLFW_KEY_CAPS_LOCK},    {"Space", GLFW_KEY_SPACE},
      {"F1", GLFW_KEY_F1},                  {"Mouse button 4", -GLFW_MOUSE_BUTTON_4 - 1},
      {"Mouse button 5", -GLFW_MOUSE_BUTTON_5 - 1}};
  for (const auto& [key_name, code] : kCodes) {
    if (name != key_name) continue;
    if (code < 0) return glfwGetMouseButton(window, -code - 1) == GLFW_PRESS;
    return glfwGetKey(window, code) == GLFW_PRESS;
  }
  return glfwGetKey(window, GLFW_KEY_LEFT_CONTROL) == GLFW_PRESS;
}

}  // namespace

int run_gui(const std::vector<std::string>& argv) {
  Args args(argv, {"--nick", "--join", "--port", "--audio-in", "--audio-out", "--trace", "--discovery-port",
                   "--download-dir"},
            {"--host", "--help", "--report-startup"});
  if (args.has("--help")) {
    std::cout << kGuiHelp;
    return 0;
  }
  if (!args.error().empty() || !args.positional().empty()) {
    std::cerr << "voixer: " << (args.error().empty() ? "unexpected argument '" + args.positional()[0] + "'" : args.error())
              << "\n";
    return 2;
  }
  if (auto port = args.value("--port"); port && !core::parse_port(*port)) {
    std::cerr << "voixer: --port must be a number from 1 to 65535, not '" << *port << "'\n";
    return 2;
  }
  if (auto join = args.value("--join")) {
    if (auto target = core::parse_host_port(*join, 1); !target.error.empty()) {
      std::cerr << "voixer: bad address '" << *join << "': " << target.error << "\n";
      return 2;
    }
  }
  auto start = std::chrono::steady_clock::now();
  std::string settings_path = default_settings_path();
  std::vector<std::string> warnings;
  AppSettings settings = load_settings(settings_path, &warnings);
  for (const auto& w : warnings) std::cerr << "voixer: " << w << "\n";

  glfwSetErrorCallback([](int, const char* what) { std::fprintf(stderr, "voixer: GLFW: %s\n", what); });
  if (!glfwInit()) {
    std::cerr << "voixer: cannot open a window (no display?); try `voixer serve` or `voixer cli`\n";
    return 1;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 2);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GL_TRUE);
  GLFWwindow* window = glfwCreateWindow(1200, 760, "Voixer", nullptr, nullptr);
  if (!window) {
    std::cerr << "voixer: cannot create an OpenGL 3.2 window\n";
    glfwTerminate();
    return 1;
  }
  glfwMakeContextCurrent(window);
  set_icon(window);
  glfwSwapInterval(1);
  install_input_callbacks(window);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;  // layout is fixed; settings live in voixer.conf
  float xscale = 1, yscale = 1;
  glfwGetWindowContentScale(window, &xscale, &yscale);
  float scale = std::max(1.0f, xscale);
  load_fonts(scale);
  style(scale);
  ImGui_ImplGlfw_InitForOpenGL(window, true);  // chains to our callbacks
  ImGui_ImplOpenGL3_Init("#version 150");

  std::signal(SIGINT, [](int) { g_stop = 1; });
  std::signal(SIGTERM, [](int) { g_stop = 1; });
  int exit_code = 0;
  {
    GuiOptions options;
    options.trace_path = args.value("--trace").value_or("");
    options.discovery_port = static_cast<std::uint16_t>(
        args.number("--discovery-port", core::kDiscoveryPort, 1, 65535));
    options.wav_in = args.value("--audio-in").value_or("");
    options.wav_out = args.value("--audio-out").value_or("");
    options.download_dir = args.value("--download-dir").value_or("");
    GuiApp app(settings, settings_path, [] { glfwPostEmptyEvent(); }, options);
    ViewState view;
    platform::DesktopNotifier notifier;
    if (auto nick = args.value("--nick")) app.form().nickname = *nick;
    if (auto port = args.value("--port")) app.form().port = *port;
    if (args.has("--host")) {
      app.host();
    } else if (auto join = args.value("--join")) {
      app.form().address = *join;
      app.join();
    }

    using Clock = std::chrono::steady_clock;
    int active_frames = 3;  // ImGui settles its layout over a couple of frames
    bool first_frame = true;
    auto last_frame = Clock::now();
    while (!glfwWindowShouldClose(window) && !g_stop) {
      // Sleep until something happens. While a call is on screen, redraw at
      // 20 fps for the talking indicators and the call timer.
      bool moving = app.animating() || view.thumbnails.decoding();
      double timeout = active_frames > 0 ? 0.0 : moving ? 0.05 : 1.0;
      glfwWaitEventsTimeout(timeout);
      bool changed = app.pump();
      if (!g_dropped.empty()) app.share_files(std::exchange(g_dropped, {}));
      // Named in a message, or a private message, while in a game: flash,
      // and tell the desktop.
      if (auto a = app.take_attention(); !glfwGetWindowAttrib(window, GLFW_FOCUSED)) {
        if (a.flash) glfwRequestWindowAttention(window);
        if (!a.summary.empty()) notifier.notify(a.summary, a.body);
      }
      // Push-to-talk on every wake-up, drawn or not: the key may be watched
      // in other windows, whose presses wake this loop.
      app.update_push_to_talk(push_to_talk_held(window, app.settings().ptt_key),
                              glfwGetWindowAttrib(window, GLFW_FOCUSED) &&
                                  ImGui::GetIO().WantTextInput);
      if (g_input || changed) active_frames = std::max(active_frames, 3);
      g_input = false;
      bool timed_redraw = moving && Clock::now() - last_frame > std::chrono::milliseconds(45);
      if (active_frames == 0 && !timed_redraw) continue;
      if (active_frames > 0) --active_frames;
      // No vsync under Xvfb (and some drivers): cap at ~120 fps ourselves.
      auto since = Clock::now() - last_frame;
      if (since < std::chrono::milliseconds(8))
        std::this_thread::sleep_for(std::chrono::milliseconds(8) - since);
      last_frame = Clock::now();

      ImGui_ImplOpenGL3_NewFrame();
      ImGui_ImplGlfw_NewFrame();
      ImGui::NewFrame();
      if (app.screen() == Screen::Start) {
        draw_start_screen(app, view);
      } else {
        draw_main_screen(app, view);
      }
      ImGui::Render();
      int w, h;
      glfwGetFramebufferSize(window, &w, &h);
      glViewport(0, 0, w, h);
      glClearColor(colors::kWindow.x, colors::kWindow.y, colors::kWindow.z, 1.0f);
      glClear(GL_COLOR_BUFFER_BIT);
      ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
      glfwSwapBuffers(window);
      if (first_frame) {
        first_frame = false;
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
        if (args.has("--report-startup")) std::fprintf(stderr, "voixer: first frame after %lld ms\n", static_cast<long long>(ms));
      }
    }
    app.settings().nickname = app.form().nickname;
    app.save_settings();
  }  // the app (and a hosted server) closes here, telling clients

  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
  return exit_code;
}

}  // namespace voixer::app
