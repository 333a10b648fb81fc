// Who is kept out of the server: bans by address and by nickname, each
// with an end time (or none: until the server restarts) and a reason. A
// banned user is refused at the door, whichever of the two they change.
// No clock of its own: times are the server's milliseconds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace voixer::core {

struct Ban {
  std::string nickname;  // as it was spelled when banned
  std::string address;   // empty when the user had none (tests)
  std::int64_t until = 0;  // server milliseconds; 0: until the server restarts
  std::string reason;
  std::string by;        // the operator
};

class BanList {
 public:
  using Millis = std::int64_t;
  // Adds a ban (replacing one for the same nickname or address).
  const Ban& add(Ban ban);
  // The ban that applies to this address or nickname now, if any.
  const Ban* find(std::string_view address, std::string_view nickname, Millis now) const;
  // Lifts the bans naming `target` (a nickname, any case, or an address);
  // returns them.
  std::vector<Ban> remove(std::string_view target);
  // Drops bans that ended.
  void expire(Millis now);
  const std::vector<Ban>& all() const { return m_bans; }

 private:
  std::vector<Ban> m_bans;
};

}  // namespace voixer::core
