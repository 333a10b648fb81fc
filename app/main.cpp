// voixer: the single executable. Dispatches to the GUI (default), the
// headless server (`serve`), the line client (`cli`) or the LAN list (`lan`).
#include <iostream>
#include <string>
#include <vector>

#include "app/cli.hpp"
#include "app/gui/gui_main.hpp"
#include "app/lan.hpp"
#include "app/serve.hpp"
#include "app/settings.hpp"
#include "core/version.hpp"
#include "platform/fonts.hpp"
#include "platform/paths.hpp"

namespace {

const char* const kHelp =
    "usage: voixer [command] [options]\n"
    "LAN voice and text chat. Without a command, opens the window\n"
    "(voixer --nick NAME --join HOST[:PORT] or --host [--port N] skip the start screen).\n"
    "\n"
    "commands:\n"
    "  serve     run the server without a window (voixer serve --help)\n"
    "  cli       a line client for terminals and scripts (voixer cli --help)\n"
    "  lan       list the voixer servers on the local networks (voixer lan --help)\n"
    "\n"
    "  --version print the version\n"
    "  --paths   print where voixer finds its files (assets, settings, fonts)\n"
    "  --help    this text\n";

// Where the files voixer reads come from, one per line: for packagers and
// for a user whose window has no sound or no fonts.
int print_paths() {
  auto or_missing = [](const std::string& p) { return p.empty() ? "(not found)" : p; };
  std::cout << "executable: " << or_missing(voixer::platform::executable_path()) << "\n"
            << "ring sound: " << or_missing(voixer::platform::find_asset("ring.wav")) << "\n"
            << "settings: " << voixer::app::default_settings_path() << "\n"
            << "font: " << or_missing(voixer::platform::find_font("DejaVu Sans")) << "\n"
            << "bold font: "
            << or_missing(voixer::platform::find_font("DejaVu Sans", voixer::platform::FontWeight::Bold))
            << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h" || args[0] == "help")) {
    std::cout << kHelp << "\n" << voixer::app::kGuiHelp;
    return 0;
  }
  if (!args.empty() && args[0] == "--version") {
    std::cout << "voixer " << voixer::core::kVersion << "\n";
    return 0;
  }
  if (!args.empty() && args[0] == "--paths") return print_paths();
  if (args.empty() || args[0].rfind("--", 0) == 0) return voixer::app::run_gui(args);
  std::string command = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "serve") return voixer::app::run_serve(rest);
  if (command == "cli") return voixer::app::run_cli(rest);
  if (command == "lan") return voixer::app::run_lan(rest);
  std::cerr << "voixer: unknown command '" << command << "' (see voixer --help)\n";
  return 2;
}
