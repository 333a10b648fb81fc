#include "platform/identity_file.hpp"

#include <filesystem>

#include "platform/files.hpp"

namespace voixer::platform {

std::shared_ptr<const core::Identity> load_or_create_identity(const std::string& dir,
                                                              std::string& error) {
  std::string path = (std::filesystem::path(dir) / kIdentityFileName).string();
  if (auto text = read_file(path)) {
    std::string why;
    auto identity = core::Identity::from_text(*text, &why);
    if (!identity) {
      error = path + ": " + why + " (move it away to make a new identity; clients that "
                                  "pinned the old one will then warn)";
      return nullptr;
    }
    return std::make_shared<core::Identity>(*identity);
  }
  auto identity = std::make_shared<core::Identity>(core::Identity::generate());
  if (auto why = write_file(path, identity->to_text() + "\n", true); !why.empty()) {
    error = why;
    return nullptr;
  }
  return identity;
}

}  // namespace voixer::platform
