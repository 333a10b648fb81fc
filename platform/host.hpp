// This machine's name, as the server announces itself in ACCEPT.
#pragma once

#include <string>

namespace voixer::platform {

// gethostname(), or "voixer" when the system has none.
std::string host_name();

}  // namespace voixer::platform
