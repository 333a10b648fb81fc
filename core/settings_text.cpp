#include "core/settings_text.hpp"

#include "core/names.hpp"

namespace voixer::core {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

constexpr std::size_t kMaxLines = 1000;
constexpr std::size_t kMaxValue = 1024;

}  // namespace

std::string SettingsText::get(std::string_view key, std::string_view fallback) const {
  for (auto it = entries.rbegin(); it != entries.rend(); ++it)
    if (it->first == key) return it->second;
  return std::string(fallback);
}

std::vector<std::string> SettingsText::all(std::string_view key) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : entries)
    if (k == key) out.push_back(v);
  return out;
}

SettingsText parse_settings(std::string_view text) {
  SettingsText out;
  std::size_t number = 0;
  while (!text.empty() && number < kMaxLines) {
    ++number;
    auto nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.empty() || line.front() == '#') continue;
    auto problem = [&](const std::string& why) {
      out.problems.push_back("line " + std::to_string(number) + ": " + why);
    };
    auto eq = line.find('=');
    if (eq == std::string_view::npos) {
      problem("no '='");
      continue;
    }
    std::string_view key = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
    if (key.empty()) {
      problem("no name before '='");
      continue;
    }
    if (value.size() > kMaxValue || !is_valid_utf8(value) || !is_valid_utf8(key)) {
      problem("value too long or not UTF-8");
      continue;
    }
    out.entries.emplace_back(std::string(key), std::string(value));
  }
  if (!text.empty()) out.problems.push_back("more than 1000 lines; the rest is ignored");
  return out;
}

std::string format_settings(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out = "# Voixer settings. Written by Voixer; edits are kept.\n";
  for (const auto& [k, v] : entries) out += k + " = " + v + "\n";
  return out;
}

}  // namespace voixer::core
