// The settings file format.
#include <doctest/doctest.h>

#include "core/settings_text.hpp"

using namespace voixer::core;

TEST_CASE("settings: key = value lines round-trip, keys may repeat") {
  std::vector<std::pair<std::string, std::string>> in = {
      {"nickname", "alice"}, {"recent", "lanbox:8649"}, {"recent", "10.0.0.5"}, {"frame_ms", "20"}};
  auto parsed = parse_settings(format_settings(in));
  CHECK(parsed.problems.empty());
  CHECK(parsed.entries == in);
  CHECK(parsed.get("nickname") == "alice");
  CHECK(parsed.all("recent") == std::vector<std::string>{"lanbox:8649", "10.0.0.5"});
  CHECK(parsed.get("missing", "dflt") == "dflt");
}

TEST_CASE("settings: damaged lines are reported and skipped, the rest kept") {
  auto parsed = parse_settings("# comment\n\nnickname=bob\ngarbage line\n = nokey\nport = 9000\r\n\xff=\xfe\n");
  CHECK(parsed.get("nickname") == "bob");
  CHECK(parsed.get("port") == "9000");
  REQUIRE(parsed.problems.size() == 3);
  CHECK(parsed.problems[0] == "line 4: no '='");
  CHECK(parsed.problems[1] == "line 5: no name before '='");
  CHECK(parsed.problems[2] == "line 7: value too long or not UTF-8");
}

TEST_CASE("settings: the last value of a key wins") {
  CHECK(parse_settings("a=1\na=2\n").get("a") == "2");
}
