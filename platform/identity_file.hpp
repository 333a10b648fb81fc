// A server's identity in its data directory: read it, or make one on the
// first start and keep it (readable by the owner only), so that clients
// that pinned it trust the server again after a restart.
#pragma once

#include <memory>
#include <string>

#include "core/identity.hpp"

namespace voixer::platform {

inline constexpr const char* kIdentityFileName = "server-identity";

// The identity kept in `dir`, created there if there is none. Returns null
// and sets `error` when the file exists but is damaged, or cannot be written.
std::shared_ptr<const core::Identity> load_or_create_identity(const std::string& dir,
                                                              std::string& error);

}  // namespace voixer::platform
