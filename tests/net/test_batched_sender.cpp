// BatchedSender on real loopback TCP sockets: one submit carries many
// sends, each lands on its own socket, and a full socket answers at once
// instead of holding the round.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <future>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "net/batched_sender.hpp"

using voixer::net::BatchedSender;

namespace {

// A connected loopback TCP pair: `sender` is the server's end.
struct TcpPair {
  int sender = -1;
  int receiver = -1;
  TcpPair() {
    int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), len) == 0);
    REQUIRE(::listen(listener, 1) == 0);
    REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    receiver = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(::connect(receiver, reinterpret_cast<sockaddr*>(&addr), len) == 0);
    sender = ::accept(listener, nullptr, nullptr);
    REQUIRE(sender >= 0);
    ::close(listener);
  }
  ~TcpPair() {
    ::close(sender);
    ::close(receiver);
  }
  std::string read_exactly(std::size_t n) const {
    std::string got(n, '\0');
    std::size_t have = 0;
    while (have < n) {
      ssize_t r = ::recv(receiver, got.data() + have, n - have, 0);
      if (r <= 0) break;
      have += static_cast<std::size_t>(r);
    }
    got.resize(have);
    return got;
  }
};

#define REQUIRE_IO_URING(sender)                                          \
  if (!(sender).available()) {                                            \
    MESSAGE("skipped: " << (sender).unavailable_reason());                \
    return;                                                               \
  }

}  // namespace

TEST_CASE("batched sender: one submit delivers each socket its own bytes, in order") {
  BatchedSender sender(4);  // fewer entries than sends: the queue submits when full
  REQUIRE_IO_URING(sender);
  std::vector<std::unique_ptr<TcpPair>> pairs;
  for (int i = 0; i < 6; ++i) pairs.push_back(std::make_unique<TcpPair>());
  std::vector<std::string> first, second;
  for (int i = 0; i < 6; ++i) {
    first.push_back("PRIVMSG to " + std::to_string(i) + "\n");
    second.push_back("and again " + std::to_string(i) + "\n");
  }
  std::map<std::size_t, int> results;
  auto done = [&](std::size_t tag, int result) { results[tag] = result; };
  for (std::size_t i = 0; i < 6; ++i) sender.queue(pairs[i]->sender, first[i], i, done);
  for (std::size_t i = 0; i < 6; ++i) sender.queue(pairs[i]->sender, second[i], 10 + i, done);
  sender.submit(done);
  REQUIRE(results.size() == 12);
  for (std::size_t i = 0; i < 6; ++i) {
    CHECK(results[i] == static_cast<int>(first[i].size()));
    CHECK(results[10 + i] == static_cast<int>(second[i].size()));
    CHECK(pairs[i]->read_exactly(first[i].size() + second[i].size()) == first[i] + second[i]);
  }
}

TEST_CASE("batched sender: a full socket answers -EAGAIN at once and the others still get theirs") {
  {
    BatchedSender probe;
    REQUIRE_IO_URING(probe);
  }
  TcpPair full, fine;
  // Fill `full` until the kernel takes no more. The socket itself stays
  // blocking: only the sender's MSG_DONTWAIT keeps the round from waiting.
  int small = 4096;
  ::setsockopt(full.sender, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  ::setsockopt(full.receiver, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  std::string chunk(4096, 'x');
  std::size_t stuffed = 0;
  for (;;) {
    ssize_t n = ::send(full.sender, chunk.data(), chunk.size(), MSG_DONTWAIT);
    if (n < 0) break;
    stuffed += static_cast<std::size_t>(n);
  }
  REQUIRE(errno == EAGAIN);

  std::string line = "still here\n";
  std::map<std::size_t, int> results;
  auto done = [&](std::size_t tag, int result) { results[tag] = result; };
  // The round runs on a thread of its own (which makes its own sender: a
  // ring is used by one thread), so that a round that waits shows as such.
  auto round = std::async(std::launch::async, [&] {
    BatchedSender sender;
    sender.queue(full.sender, line, 0, done);
    sender.queue(fine.sender, line, 1, done);
    sender.submit(done);
  });
  bool answered = round.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  CHECK_MESSAGE(answered, "the round waited for a full socket to drain");
  if (!answered) {  // drain it so the parked send finishes and the test can end
    full.read_exactly(stuffed + line.size());
    round.wait();
    return;
  }
  CHECK(results[0] == -EAGAIN);
  CHECK(results[1] == static_cast<int>(line.size()));
  CHECK(fine.read_exactly(line.size()) == line);
}

TEST_CASE("batched sender: VOIXER_NO_IO_URING turns it off and says so") {
  ::setenv("VOIXER_NO_IO_URING", "1", 1);
  BatchedSender sender;
  ::unsetenv("VOIXER_NO_IO_URING");
  CHECK_FALSE(sender.available());
  CHECK(sender.unavailable_reason().find("VOIXER_NO_IO_URING") != std::string::npos);
}
