#include "platform/identity_file.hpp"

#include <filesystem>

#include "platform/files.hpp"

namespace voixer::platform {

std::shared_ptr<const core::Identity> load_or_create_identity(const std::string& dir,
                                                              std::string& error) {
  std::string path = (std::filesystem::path(dir) / kIdentityFileName).string();
  auto read = [&]() -> std::shared_ptr<const core::Identity> {
    auto text = read_file(path);
    if (!text) return nullptr;
    std::string why;
    auto identity = core::Identity::from_text(*text, &why);
    if (!identity) {
      error = path + ": " + why + " (move it away to make a new identity; clients that "
                                  "pinned the old one will then warn)";
      return nullptr;
    }
    return std::make_shared<core::Identity>(*identity);
  };
  if (auto kept = read(); kept || !error.empty()) return kept;
  auto made = std::make_shared<core::Identity>(core::Identity::generate());
  if (write_new_file(path, made->to_text() + "\n", true, error)) return made;
  if (!error.empty()) return nullptr;
  return read();  // another server on this machine made it a moment ago
}

}  // namespace voixer::platform
