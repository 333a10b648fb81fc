// The servers a client has met, by address, with the identity each showed
// the first time (trust on first use, like SSH's known_hosts). A changed
// identity is not trusted until the person says so. The text form is one
// "host:port <64 hex digits>" a line; '#' starts a comment.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/identity.hpp"

namespace voixer::core {

class KnownServers {
 public:
  // Lines that are not pins are skipped, each with a warning.
  static KnownServers parse(std::string_view text, std::vector<std::string>* warnings = nullptr);
  std::string format() const;

  std::optional<PublicKey> lookup(std::string_view address) const;
  void pin(std::string_view address, const PublicKey& key);
  std::size_t size() const { return m_pins.size(); }

 private:
  std::map<std::string, PublicKey> m_pins;  // lower-case address
};

}  // namespace voixer::core
