#include "platform/paths.hpp"

#include <filesystem>

namespace voixer::platform {

std::string executable_path() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : p.string();
}

std::string find_asset(const std::string& name) {
  namespace fs = std::filesystem;
  std::string exe = executable_path();
  if (exe.empty()) return {};
  std::error_code ec;
  fs::path candidate = fs::path(exe).parent_path().parent_path() / "share" / "voixer" / name;
  return fs::exists(candidate, ec) ? candidate.string() : std::string();
}

}  // namespace voixer::platform
