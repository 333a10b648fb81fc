// Names and identifiers of shared files, checked where they cross a trust
// boundary: the server checks what an uploader offers (check_file_name),
// and a client never writes where a name from the server points
// (download_name, unique_name): only plain names inside the download
// directory, nothing overwritten.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace voixer::core {

inline constexpr std::size_t kMaxFileNameBytes = 200;
inline constexpr std::size_t kFileIdHexDigits = 32;    // 128 random bits
inline constexpr std::size_t kFileHashHexDigits = 64;  // BLAKE2b-256

// "" or why `name` cannot name a shared file: empty, longer than
// kMaxFileNameBytes, not valid UTF-8, a control character, a slash or
// backslash, or "." / "..".
std::string check_file_name(std::string_view name);

// True for exactly `digits` lower-case hex digits (ids, tokens, hashes).
bool is_hex_id(std::string_view text, std::size_t digits);

// A name to save a file under, whatever the server sent: the last path
// component, control characters and leading dots gone, cut to
// kMaxFileNameBytes on a UTF-8 boundary; "file" when nothing is left.
std::string download_name(std::string_view name);

// `name`, or "name (1).ext", "name (2).ext" ... the first for which
// `exists` is false: a download never replaces a file already there.
std::string unique_name(const std::string& name, const std::function<bool(const std::string&)>& exists);

// By its name, a picture the window can show (png, jpg, jpeg, gif, bmp).
bool is_image_name(std::string_view name);

// "1.5 GB", "312 KB", "17 bytes": sizes for people (powers of 1000).
std::string human_size(std::uint64_t bytes);
// "4GB", "500 MB", "1.5G", "2GiB", "1000": a size a person typed (KB, MB,
// GB, TB in powers of 1000, KiB ... in powers of 1024), or nullopt.
std::optional<std::uint64_t> parse_size(std::string_view text);

}  // namespace voixer::core
