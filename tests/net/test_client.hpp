// A blocking test client for the text protocol on a real TCP socket, with
// a deadline on every read so that a test waits for events, never sleeps.
#pragma once

#include "support/ports.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace voixer::test {

class TestClient {
 public:
  // rcvbuf > 0 shrinks the socket's receive buffer (a client that reads slowly).
  // `source` (e.g. "127.0.0.7") makes the connection come from another
  // loopback address, as from another machine.
  explicit TestClient(std::uint16_t port, int rcvbuf = 0, const std::string& source = {});
  ~TestClient();
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  void send(const std::string& line);      // appends "\n"
  void send_raw(const std::string& bytes); // exactly these bytes
  // The next line, or nullopt if none arrives within timeout_ms or the
  // connection closed.
  std::optional<std::string> next_line(int timeout_ms = 5000);
  // Lines until one equals `line` (returned without it); fails the test if
  // it never comes.
  std::vector<std::string> until(const std::string& line, int timeout_ms = 5000);
  // Lines up to and including the first that starts with `prefix` (or,
  // when `whole`, equals it); fails the test if it never comes.
  std::vector<std::string> until_prefix(const std::string& prefix, int timeout_ms = 5000,
                                        bool whole = false);
  // Round trip a PING through the server: returns every line that arrived
  // before its PONG, i.e. everything the server sent in reaction to what
  // this client sent before.
  std::vector<std::string> sync();
  // CONNECT as `nick` and read up to the #lobby USERLIST.
  void login(const std::string& nick);
  // True when the server closes the connection within timeout_ms; lines
  // that arrive meanwhile are collected in `seen`.
  bool closed_within(int timeout_ms, std::vector<std::string>* seen = nullptr);
  int fd() const { return m_fd; }

 private:
  int m_fd = -1;
  std::string m_buf;
  bool m_eof = false;
  int m_sync_counter = 0;
};

// A free TCP port on 127.0.0.1 (bound then released); free_udp_port()
// (support/ports.hpp) for a test's own LAN discovery port.
std::uint16_t free_port();

}  // namespace voixer::test
