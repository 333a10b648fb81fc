// Web links in a chat line, for the window to make clickable: http:// and
// https:// up to the next space, without the punctuation that ends a
// sentence around it ("see https://example.org/map.zip." gives the link
// without the full stop). Nothing else is opened, so a line cannot make the
// window run a program or open a file.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace voixer::core {

struct Link {
  std::size_t start = 0, length = 0;  // in the text, in bytes
};

std::vector<Link> find_links(std::string_view text);

}  // namespace voixer::core
