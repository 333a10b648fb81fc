// This machine's name, as the server announces itself in ACCEPT.
#pragma once

#include <cstddef>
#include <string>

namespace voixer::platform {

// gethostname(), or "voixer" when the system has none.
std::string host_name();

// Raises this process's limit of open files to the most it may have (a
// server needs one per user; the usual soft limit is 1,024). Returns the
// limit now in force.
std::size_t raise_open_files_limit();

}  // namespace voixer::platform
