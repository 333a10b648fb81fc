// Web links found in chat lines (core/links.hpp).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/links.hpp"

using voixer::core::find_links;

namespace {

std::vector<std::string> links_in(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& l : find_links(text)) out.push_back(text.substr(l.start, l.length));
  return out;
}

}  // namespace

TEST_CASE("links: http and https up to a space, without the sentence's punctuation") {
  using V = std::vector<std::string>;
  CHECK(links_in("map at https://lan.party/maps/dm6.zip.") == V{"https://lan.party/maps/dm6.zip"});
  CHECK(links_in("HTTP://X.ORG/a?b=1&c=2, and http://y/") == V{"HTTP://X.ORG/a?b=1&c=2", "http://y/"});
  CHECK(links_in("(see https://en.wikipedia.org/wiki/Quake_(video_game))") ==
        V{"https://en.wikipedia.org/wiki/Quake_(video_game)"});
  CHECK(links_in("(https://x.org/a)") == V{"https://x.org/a"});
  CHECK(links_in("<https://x.org/>") == V{"https://x.org/"});
  CHECK(links_in("https://d\xc3\xa9j\xc3\xa0.vu/caf\xc3\xa9 ok") == V{"https://d\xc3\xa9j\xc3\xa0.vu/caf\xc3\xa9"});
}

TEST_CASE("links: nothing else is a link") {
  CHECK(find_links("file:///etc/passwd").empty());
  CHECK(find_links("javascript:alert(1)").empty());
  CHECK(find_links("xhttps://glued.example").empty());
  CHECK(find_links("https://").empty());
  CHECK(find_links("https:// spaced").empty());
  CHECK(find_links("just words").empty());
  CHECK(find_links("").empty());
}
