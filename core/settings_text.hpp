// The settings file's text: "key = value" lines, '#' comments, blank lines.
// A key may repeat (recent servers). Parsing never throws: bad lines are
// reported and skipped, so a damaged file costs one setting, not all.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace voixer::core {

struct SettingsText {
  std::vector<std::pair<std::string, std::string>> entries;  // in file order
  std::vector<std::string> problems;                         // "line 3: no '='"

  // The last value of `key`, or `fallback`.
  std::string get(std::string_view key, std::string_view fallback = {}) const;
  // Every value of `key`, in order.
  std::vector<std::string> all(std::string_view key) const;
};

SettingsText parse_settings(std::string_view text);
std::string format_settings(const std::vector<std::pair<std::string, std::string>>& entries);

}  // namespace voixer::core
