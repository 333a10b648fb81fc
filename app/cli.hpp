// `voixer cli`: a line client for terminals and scripts.
#pragma once

#include <string>
#include <vector>

namespace voixer::app {

int run_cli(const std::vector<std::string>& args);
extern const char* const kCliHelp;

}  // namespace voixer::app
