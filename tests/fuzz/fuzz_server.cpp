// Fuzz target: the server state machine, fed arbitrary sequences of events
// from four connections: open (or, once open, sealed, or the last file
// granted arriving whole or broken), a line, close, time passing. It must never
// crash, its counts must stay consistent, and no line it sends may exceed
// the protocol's 4096 bytes (nor need cutting to fit them).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/server.hpp"

namespace {

struct NullOutbox : voixer::core::Outbox {
  std::size_t sent = 0;
  void send(voixer::core::ConnId, std::string_view line) override {
    if (line.size() > voixer::core::kMaxLineBytes) std::abort();
    sent += line.size();
  }
  void close(voixer::core::ConnId, std::string_view) override {}
  std::string last_grant;
  void file_grant(voixer::core::ConnId, const voixer::core::FileGrant& g) override {
    last_grant = g.id;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace voixer::core;
  NullOutbox out;
  std::uint8_t counter = 0;
  ServerConfig config;
  config.max_clients = 3;
  config.max_pending = 2;  // so the oldest waiting connection gives way now and then
  config.history_length = 5;
  config.files_quota = 10000;
  Server server(config, out, [&](std::span<std::uint8_t> b) {
    for (auto& x : b) x = counter++;
  });
  Millis now = 0;
  std::size_t i = 0;
  bool open[4] = {};
  while (i < size) {
    std::uint8_t op = data[i++];
    ConnId id = (op & 3) + 1;
    switch ((op >> 2) & 3) {
      case 0:
        if (!open[id - 1]) {
          open[id - 1] = server.on_open(id, now);
        } else if (op & 0x10) {
          server.on_sealed(id);
        } else if (op & 0x20) {
          server.on_file_uploaded(out.last_grant, (op & 0x40) == 0, now);
        }
        break;
      case 1: {  // a line: bytes up to '\n' or the end
        std::size_t start = i;
        while (i < size && data[i] != '\n') ++i;
        std::string_view line(reinterpret_cast<const char*>(data + start), i - start);
        if (i < size) ++i;
        if (open[id - 1] && server.admit_line(id, now)) server.on_line(id, line, now);
        break;
      }
      case 2:
        server.on_closed(id, now);
        open[id - 1] = false;
        break;
      case 3:
        now += (op >> 4) * 4000;  // up to a minute: pings, rings, handshakes expire
        server.tick(now);
        break;
    }
    if (server.lines_cut() > 0) std::abort();  // a line was too long before the guard
    if (server.user_count() > server.connection_count()) std::abort();
    if (server.user_count() > config.max_clients) std::abort();
    if (server.connection_count() > config.max_clients + config.max_pending) std::abort();
  }
  return 0;
}
