// Small files of voixer's own: settings, the servers a client has met, a
// server's identity. Where they live (XDG base directories) and how they
// are written (whole, atomically, private when they hold secrets).
#pragma once

#include <optional>
#include <string>

namespace voixer::platform {

// $XDG_CONFIG_HOME/voixer, else ~/.config/voixer (settings, known servers).
std::string config_dir();
// $XDG_DATA_HOME/voixer, else ~/.local/share/voixer (a server's identity).
std::string data_dir();

// $XDG_CACHE_HOME/voixer, else ~/.cache/voixer (thumbnails' images).
std::string cache_dir();
// Where a user's downloads go: XDG_DOWNLOAD_DIR (from the environment or
// user-dirs.dirs), else ~/Downloads.
std::string download_dir();

// The whole file, or nullopt when it cannot be read.
std::optional<std::string> read_file(const std::string& path);
// Writes `text` to a temporary file beside `path` and renames it over, so a
// crash never leaves half a file; creates the directory. `private_file`
// makes it readable by the owner only (0600). Returns "" or why not.
std::string write_file(const std::string& path, const std::string& text, bool private_file = false);
// As write_file, but only when `path` does not exist yet: false (and no
// error) when another process made it first, even at the same moment.
bool write_new_file(const std::string& path, const std::string& text, bool private_file,
                    std::string& error);

}  // namespace voixer::platform
