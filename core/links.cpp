#include "core/links.hpp"

#include <algorithm>
#include <cctype>

namespace voixer::core {

namespace {

bool starts_link(std::string_view text, std::size_t at) {
  auto rest = text.substr(at);
  auto lower_prefix = [&](std::string_view p) {
    return rest.size() > p.size() &&
           std::equal(p.begin(), p.end(), rest.begin(), [](char a, char b) {
             return a == std::tolower(static_cast<unsigned char>(b));
           });
  };
  bool at_word_start = at == 0 || !std::isalnum(static_cast<unsigned char>(text[at - 1]));
  return at_word_start && (lower_prefix("http://") || lower_prefix("https://"));
}

}  // namespace

std::vector<Link> find_links(std::string_view text) {
  std::vector<Link> links;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!starts_link(text, i)) {
      ++i;
      continue;
    }
    std::size_t end = i;
    // A link ends at a space or a control character; bytes of other
    // scripts belong to it (an internationalised path).
    while (end < text.size() && static_cast<unsigned char>(text[end]) > ' ' && text[end] != 0x7f &&
           text[end] != '<' && text[end] != '>' && text[end] != '"')
      ++end;
    // Sentence punctuation after a link is not part of it, nor a closing
    // bracket that was not opened inside it.
    while (end > i) {
      char last = text[end - 1];
      std::string_view body = text.substr(i, end - i);
      if (std::string_view(".,;:!?'").find(last) != std::string_view::npos) {
        --end;
      } else if (last == ')' && std::count(body.begin(), body.end(), '(') <
                                    std::count(body.begin(), body.end(), ')')) {
        --end;
      } else {
        break;
      }
    }
    std::size_t scheme = text.substr(i, 8).find("://") + 3;
    if (end - i > scheme) links.push_back({i, end - i});
    i = std::max(end, i + 1);
  }
  return links;
}

}  // namespace voixer::core
