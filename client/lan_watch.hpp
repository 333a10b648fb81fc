// The voixer servers on the local networks, kept up to date on a thread of
// its own (a LanBrowser asking every second, entries forgotten when their
// server stops answering), for the start screen. `wake` is called when the
// list changed.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "core/discovery.hpp"

namespace voixer::client {

class LanWatch {
 public:
  explicit LanWatch(std::function<void()> wake, std::uint16_t port = core::kDiscoveryPort);
  ~LanWatch();
  LanWatch(const LanWatch&) = delete;
  LanWatch& operator=(const LanWatch&) = delete;

  // The servers heard in the last few seconds, sorted by name.
  std::vector<core::LanServer> servers() const;
  // Grows whenever the list changes.
  std::uint64_t version() const;

 private:
  class Impl;
  std::shared_ptr<Impl> m_impl;
};

}  // namespace voixer::client
