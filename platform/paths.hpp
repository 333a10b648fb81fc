// Where voixer's own files are: the running executable, and its assets
// (the ring sound, the icon), found relative to the executable so the same
// rule serves the build tree and an installed copy:
//   <prefix>/bin/voixer        ->  <prefix>/share/voixer/<name>
//   build/app/voixer           ->  build/share/voixer/<name>   (copied by CMake)
// No source path is compiled in.
#pragma once

#include <string>

namespace voixer::platform {

// The absolute path of the running executable, or "" if unknown.
std::string executable_path();

// The path of asset `name` ("ring.wav"), or "" when it is not installed.
std::string find_asset(const std::string& name);

}  // namespace voixer::platform
