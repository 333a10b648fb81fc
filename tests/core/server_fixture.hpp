// A core::Server driven directly by tests: lines in, recorded lines out,
// time as a number.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/server.hpp"

namespace voixer::test {

using namespace voixer::core;

struct Recorder : Outbox {
  std::map<ConnId, std::vector<std::string>> lines;
  std::map<ConnId, std::string> closed;
  std::size_t sent = 0;  // lines sent to anyone, ever
  void send(ConnId to, std::string_view line) override {
    lines[to].emplace_back(line);
    ++sent;
  }
  void close(ConnId to, std::string_view reason) override { closed[to] = std::string(reason); }
  // Files: what the transport would let file streams do.
  std::vector<std::pair<ConnId, FileGrant>> grants;
  std::vector<ConnId> revoked;
  std::vector<std::string> dropped;
  void file_grant(ConnId to, const FileGrant& g) override { grants.emplace_back(to, g); }
  void file_revoke(ConnId to) override { revoked.push_back(to); }
  void file_drop(const std::string& id) override { dropped.push_back(id); }
  // History: what the archive was given (and how many lines had been sent
  // by then), and the pages asked of it.
  struct KeptAt {
    Kept record;
    std::size_t sent_before;
  };
  std::vector<KeptAt> kept;
  struct PageAsked {
    ConnId to;
    std::string place, name;
    std::int64_t before;
    std::string words;
    int count = 0;
  };
  std::vector<PageAsked> pages;
  std::vector<PageAsked> searched;  // `before` unused; `words` what was asked
  // Records are numbered 1, 2, ... as a store numbers them; `carried` is
  // the record each line sent with send_kept carried, by connection.
  std::uint64_t keep(const Kept& k) override {
    kept.push_back({k, sent});
    return kept.size();
  }
  std::map<ConnId, std::vector<std::pair<std::string, std::uint64_t>>> carried;
  void send_kept(ConnId to, std::string_view line, std::uint64_t record) override {
    carried[to].emplace_back(line, record);
    send(to, line);
  }
  void search(ConnId to, const std::string& place, const std::string& name,
              const std::string& words) override {
    searched.push_back({to, place, name, 0, words});
  }
  void history_page(ConnId to, const std::string& place, const std::string& name,
                    std::int64_t before, int count) override {
    pages.push_back({to, place, name, before, {}, count});
  }
};

// Whether `lines` holds exactly `line`.
inline bool has(const std::vector<std::string>& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

// Deterministic bytes; the real server uses libsodium.
inline RandomSource counting_random() {
  auto counter = std::make_shared<std::uint8_t>(0);
  return [counter](std::span<std::uint8_t> out) {
    for (auto& b : out) b = (*counter)++;
  };
}

struct Fixture {
  Recorder out;
  ServerConfig config = make_config();
  std::unique_ptr<Server> server;
  Millis now = 1000;

  static ServerConfig make_config() {
    ServerConfig c;
    c.hostname = "testhost";
    c.flood_rate = 0;
    c.ping_interval = 3'600'000;  // out of the way; the PING test sets its own
    c.wall_clock_offset = 1'700'000'000'000;
    return c;
  }
  Fixture() { server = std::make_unique<Server>(config, out, counting_random()); }
  void reset(ServerConfig c) {
    config = c;
    server = std::make_unique<Server>(config, out, counting_random());
  }

  void open(ConnId id) { REQUIRE(server->on_open(id, now)); }
  void line(ConnId id, std::string_view l) { server->on_line(id, l, now); }
  // Everything sent to `id` since the last call.
  std::vector<std::string> take(ConnId id) {
    auto v = std::move(out.lines[id]);
    out.lines[id].clear();
    return v;
  }
  std::string only(ConnId id) {
    auto v = take(id);
    REQUIRE_MESSAGE(v.size() == 1, "expected one line, got " << v.size());
    return v[0];
  }
  void login(ConnId id, const std::string& nick) {
    open(id);
    line(id, "CONNECT: \"" + nick + "\" \"" + nick + " Real\" 1.0.0");
    auto got = take(id);
    REQUIRE_MESSAGE(!got.empty(), "no answer to CONNECT");
    REQUIRE(got[0] == "ACCEPT: testhost");
  }
  void clear_all() { out.lines.clear(); }
  // The key in "TALK <nick> <key>: REQUEST".
  static std::string offer_key(const std::string& line) {
    auto second_space = line.find(' ', 5);
    return line.substr(second_space + 1, line.find(':') - second_space - 1);
  }
};


}  // namespace voixer::test
