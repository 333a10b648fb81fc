// `voixer lan`: the voixer servers on the local networks, one a line.
#pragma once

#include <string>
#include <vector>

namespace voixer::app {

extern const char* const kLanHelp;
int run_lan(const std::vector<std::string>& argv);

}  // namespace voixer::app
