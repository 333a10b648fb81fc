// `voixer` with no command: the window.
#pragma once

#include <string>
#include <vector>

namespace voixer::app {

int run_gui(const std::vector<std::string>& args);
extern const char* const kGuiHelp;

}  // namespace voixer::app
