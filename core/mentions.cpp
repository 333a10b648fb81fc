#include "core/mentions.hpp"

namespace voixer::core {

namespace {

bool nick_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool same_at(std::string_view text, std::size_t at, std::string_view nickname) {
  for (std::size_t i = 0; i < nickname.size(); ++i)
    if (lower(text[at + i]) != lower(nickname[i])) return false;
  return true;
}

}  // namespace

bool mentions(std::string_view text, std::string_view nickname) {
  if (nickname.empty() || text.size() < nickname.size()) return false;
  for (std::size_t at = 0; at + nickname.size() <= text.size(); ++at) {
    if (at > 0 && nick_char(text[at - 1])) continue;
    std::size_t end = at + nickname.size();
    if (end < text.size() && nick_char(text[end])) continue;
    if (same_at(text, at, nickname)) return true;
  }
  return false;
}

}  // namespace voixer::core
