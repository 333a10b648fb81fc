#include "core/file_names.hpp"

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "core/names.hpp"

namespace voixer::core {

std::string check_file_name(std::string_view name) {
  if (name.empty()) return "A file needs a name";
  if (name.size() > kMaxFileNameBytes)
    return "A file name may be at most " + std::to_string(kMaxFileNameBytes) + " bytes";
  if (!is_valid_utf8(name)) return "A file name must be valid UTF-8";
  if (name == "." || name == "..") return "'" + std::string(name) + "' is not a file name";
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) return "A file name may not hold control characters";
    if (c == '/' || c == '\\') return "A file name may not hold a slash: send the file, not a path";
  }
  return {};
}

bool is_hex_id(std::string_view text, std::size_t digits) {
  if (text.size() != digits) return false;
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string download_name(std::string_view name) {
  if (auto slash = name.find_last_of("/\\"); slash != std::string_view::npos)
    name.remove_prefix(slash + 1);
  std::string out;
  for (unsigned char c : name)
    if (c >= 0x20 && c != 0x7f) out += static_cast<char>(c);
  std::size_t dots = out.find_first_not_of('.');
  out.erase(0, dots == std::string::npos ? out.size() : dots);
  if (!is_valid_utf8(out)) out.clear();
  out = std::string(utf8_prefix(out, kMaxFileNameBytes));
  return out.empty() ? "file" : out;
}

std::string unique_name(const std::string& name,
                        const std::function<bool(const std::string&)>& exists) {
  if (!exists(name)) return name;
  // The number goes before the extensions, as file managers put it:
  // "report (1).tar.gz".
  std::size_t dot = name.find('.');
  std::string stem = dot == std::string::npos ? name : name.substr(0, dot);
  std::string ext = dot == std::string::npos ? "" : name.substr(dot);
  for (int i = 1;; ++i) {
    std::string candidate = stem + " (" + std::to_string(i) + ")" + ext;
    if (!exists(candidate)) return candidate;
  }
}

bool is_image_name(std::string_view name) {
  auto dot = name.rfind('.');
  if (dot == std::string_view::npos) return false;
  std::string ext;
  for (char c : name.substr(dot + 1)) ext += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return ext == "png" || ext == "jpg" || ext == "jpeg" || ext == "gif" || ext == "bmp";
}

std::string human_size(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"KB", "MB", "GB", "TB"};
  if (bytes < 1000) return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
  double v = static_cast<double>(bytes);
  int unit = -1;
  while (v >= 1000 && unit < 3) {
    v /= 1000;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, v < 10 ? "%.1f %s" : "%.0f %s", v, kUnits[unit]);
  return buf;
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) ++i;
  std::string number(text.substr(0, i));
  if (number.empty() || number == "." || number.find('.') != number.rfind('.')) return std::nullopt;
  std::string unit;
  for (char c : text.substr(i))
    if (c != ' ') unit += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  static constexpr std::pair<std::string_view, double> kUnits[] = {
      {"", 1},     {"B", 1},        {"K", 1e3},          {"KB", 1e3},        {"M", 1e6},
      {"MB", 1e6}, {"G", 1e9},      {"GB", 1e9},         {"T", 1e12},        {"TB", 1e12},
      {"KIB", 1024.0}, {"MIB", 1048576.0}, {"GIB", 1073741824.0}, {"TIB", 1099511627776.0}};
  for (const auto& [name, scale] : kUnits) {
    if (unit != name) continue;
    double v = std::strtod(number.c_str(), nullptr) * scale;
    if (v > 1.8e19) return std::nullopt;
    return static_cast<std::uint64_t>(v);
  }
  return std::nullopt;
}

}  // namespace voixer::core
