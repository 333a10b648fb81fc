#include "core/bans.hpp"

#include <algorithm>

#include "core/names.hpp"

namespace voixer::core {

namespace {
bool names(const Ban& b, std::string_view nickname) {
  return !nickname.empty() && fold_case(b.nickname) == fold_case(nickname);
}
bool at(const Ban& b, std::string_view address) {
  return !address.empty() && b.address == address;
}
}  // namespace

const Ban& BanList::add(Ban ban) {
  std::erase_if(m_bans, [&](const Ban& b) { return names(b, ban.nickname) || at(b, ban.address); });
  m_bans.push_back(std::move(ban));
  return m_bans.back();
}

const Ban* BanList::find(std::string_view address, std::string_view nickname, Millis now) const {
  for (const Ban& b : m_bans) {
    if (b.until != 0 && now >= b.until) continue;
    if (at(b, address) || names(b, nickname)) return &b;
  }
  return nullptr;
}

std::vector<Ban> BanList::remove(std::string_view target) {
  std::vector<Ban> lifted;
  std::erase_if(m_bans, [&](const Ban& b) {
    bool match = names(b, target) || at(b, target);
    if (match) lifted.push_back(b);
    return match;
  });
  return lifted;
}

void BanList::expire(Millis now) {
  std::erase_if(m_bans, [&](const Ban& b) { return b.until != 0 && now >= b.until; });
}

}  // namespace voixer::core
