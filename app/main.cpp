// voixer: the single executable. Dispatches to the GUI (default), the
// headless server (`serve`) or the line client (`cli`).
#include <iostream>
#include <string>
#include <vector>

#include "app/cli.hpp"
#include "app/gui/gui_main.hpp"
#include "app/serve.hpp"

namespace {

const char* const kHelp =
    "usage: voixer [command] [options]\n"
    "LAN voice and text chat. Without a command, opens the window\n"
    "(voixer --nick NAME --join HOST[:PORT] or --host [--port N] skip the start screen).\n"
    "\n"
    "commands:\n"
    "  serve     run the server without a window (voixer serve --help)\n"
    "  cli       a line client for terminals and scripts (voixer cli --help)\n"
    "\n"
    "  --help    this text\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h" || args[0] == "help")) {
    std::cout << kHelp << "\n" << voixer::app::kGuiHelp;
    return 0;
  }
  if (args.empty() || args[0].rfind("--", 0) == 0) return voixer::app::run_gui(args);
  std::string command = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "serve") return voixer::app::run_serve(rest);
  if (command == "cli") return voixer::app::run_cli(rest);
  std::cerr << "voixer: unknown command '" << command << "' (see voixer --help)\n";
  return 2;
}
