// `voixer serve`: the headless server.
#pragma once

#include <string>
#include <vector>

namespace voixer::app {

int run_serve(const std::vector<std::string>& args);
extern const char* const kServeHelp;

}  // namespace voixer::app
