#include "platform/files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace voixer::platform {

namespace {

std::string xdg_dir(const char* variable, const char* fallback_under_home) {
  std::filesystem::path dir;
  if (const char* x = std::getenv(variable); x && *x) {
    dir = x;
  } else if (const char* h = std::getenv("HOME"); h && *h) {
    dir = std::filesystem::path(h) / fallback_under_home;
  } else {
    dir = ".";
  }
  return (dir / "voixer").string();
}

}  // namespace

std::string config_dir() { return xdg_dir("XDG_CONFIG_HOME", ".config"); }
std::string data_dir() { return xdg_dir("XDG_DATA_HOME", ".local/share"); }

std::string cache_dir() { return xdg_dir("XDG_CACHE_HOME", ".cache"); }

std::string download_dir() {
  if (const char* x = std::getenv("XDG_DOWNLOAD_DIR"); x && *x) return x;
  const char* h = std::getenv("HOME");
  std::filesystem::path home = h && *h ? h : ".";
  // xdg-user-dirs writes XDG_DOWNLOAD_DIR="$HOME/Downloads" (localised).
  const char* config = std::getenv("XDG_CONFIG_HOME");
  std::filesystem::path dirs =
      (config && *config ? std::filesystem::path(config) : home / ".config") / "user-dirs.dirs";
  std::ifstream in(dirs);
  std::string line;
  const std::string key = "XDG_DOWNLOAD_DIR=\"";
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) != 0 || line.size() < key.size() + 1 || line.back() != '"') continue;
    std::string value = line.substr(key.size(), line.size() - key.size() - 1);
    if (value.rfind("$HOME", 0) == 0) value = home.string() + value.substr(5);
    if (!value.empty() && value[0] == '/') return value;
  }
  return (home / "Downloads").string();
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

namespace {

// The whole of `text` in a temporary file beside `path`, synced; its name,
// or "" and `error`.
std::string write_temp(const std::string& path, const std::string& text, bool private_file,
                       std::string& error) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  std::string temp = path + ".new-" + std::to_string(::getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                  private_file ? 0600 : 0644);
  if (fd < 0) {
    error = "cannot write " + path + ": " + std::strerror(errno);
    return {};
  }
  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  bool ok = left == 0 && ::fsync(fd) == 0;
  int why = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(temp.c_str());
    error = "cannot write " + path + ": " + std::strerror(why);
    return {};
  }
  return temp;
}

}  // namespace

std::string write_file(const std::string& path, const std::string& text, bool private_file) {
  std::string error;
  std::string temp = write_temp(path, text, private_file, error);
  if (temp.empty()) return error;
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    error = "cannot write " + path + ": " + std::strerror(errno);
    ::unlink(temp.c_str());
    return error;
  }
  return "";
}

bool write_new_file(const std::string& path, const std::string& text, bool private_file,
                    std::string& error) {
  std::string temp = write_temp(path, text, private_file, error);
  if (temp.empty()) return false;
  // link() makes the name only if it is free: of two processes, one wins.
  int made = ::link(temp.c_str(), path.c_str());
  int why = errno;
  ::unlink(temp.c_str());
  if (made == 0) return true;
  if (why != EEXIST) error = "cannot write " + path + ": " + std::strerror(why);
  return false;
}

}  // namespace voixer::platform
