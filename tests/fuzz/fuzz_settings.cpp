// Fuzz target: the settings file parser, and its writer: whatever parses
// writes back to text that parses to the same entries.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/settings_text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace voixer::core;
  auto parsed = parse_settings(std::string_view(reinterpret_cast<const char*>(data), size));
  auto again = parse_settings(format_settings(parsed.entries));
  if (again.entries != parsed.entries) std::abort();
  return 0;
}
