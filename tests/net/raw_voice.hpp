// An ENet host of our own, serviced by the test thread, with peers to the
// server's UDP port from a chosen 127.0.0.x address (another machine on the
// LAN): it sends exactly the bytes a test gives it, so it can be a
// stranger, a flooder, or a peer replaying what it saw. Counts what happens.
#pragma once

#include <doctest/doctest.h>
#include <enet/enet.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "core/protocol.hpp"
#include "core/voice_seal.hpp"
#include "net/enet_support.hpp"

namespace voixer::test {

class RawVoice {
 public:
  using Clock = std::chrono::steady_clock;

  RawVoice(const std::string& source, std::size_t peers) {
    net::ensure_enet();
    ENetAddress from{};
    enet_address_set_host_ip(&from, source.c_str());
    from.port = 0;
    m_host.reset(enet_host_create(&from, peers, net::kChannelCount, 0, 0));
    REQUIRE(m_host);
  }
  ENetPeer* connect(std::uint16_t port) {
    ENetAddress to{};
    enet_address_set_host_ip(&to, "127.0.0.1");
    to.port = port;
    ENetPeer* p = enet_host_connect(m_host.get(), &to, net::kChannelCount, 0);
    REQUIRE(p);
    return p;
  }
  // Services for `ms`, or until `done` holds.
  template <class F>
  bool service_until(F done, int ms = 5000) {
    auto deadline = Clock::now() + std::chrono::milliseconds(ms);
    while (Clock::now() < deadline) {
      ENetEvent e;
      while (enet_host_service(m_host.get(), &e, 5) > 0) on_event(e);
      if (done()) return true;
    }
    return done();
  }
  void send(ENetPeer* p, std::uint8_t channel, const std::vector<std::uint8_t>& bytes,
            std::uint32_t flags) {
    enet_peer_send(p, channel, enet_packet_create(bytes.data(), bytes.size(), flags));
    enet_host_flush(m_host.get());
  }
  // Sends a control line and returns the server's answer.
  std::string ask(ENetPeer* p, const std::string& line) {
    REQUIRE(service_until([&] { return p->state == ENET_PEER_STATE_CONNECTED; }));
    std::size_t before = control.size();
    send(p, net::kControlChannel, {line.begin(), line.end()}, ENET_PACKET_FLAG_RELIABLE);
    REQUIRE(service_until([&] { return control.size() > before; }));
    return control.back();
  }
  // The seed's binding: the bare key.
  std::string bind(ENetPeer* p, const std::string& key) { return ask(p, "TALKSESSION: " + key); }
  // The sealed binding: a proof of `key` for this peer's challenge.
  std::string bind_proof(ENetPeer* p, const std::string& key) {
    return ask(p, proof_line(p, key));
  }
  std::string proof_line(ENetPeer* p, const std::string& key) {
    REQUIRE(service_until([&] { return challenges.count(p) > 0; }));
    auto keys = core::derive_voice_keys(key);
    return core::format(core::ClientMessage{
        core::TalkProof{keys.id, core::voice_proof(keys, challenges[p])}});
  }

  int connected = 0, disconnected = 0, frames = 0;
  std::vector<std::string> control;  // answers, VOICECHALLENGE apart
  std::map<ENetPeer*, std::vector<std::uint8_t>> challenges;
  std::vector<std::vector<std::uint8_t>> received;  // voice frames, as they came

 private:
  void on_event(ENetEvent& e) {
    if (e.type == ENET_EVENT_TYPE_CONNECT) ++connected;
    if (e.type == ENET_EVENT_TYPE_DISCONNECT) ++disconnected;
    if (e.type != ENET_EVENT_TYPE_RECEIVE) return;
    std::string text(reinterpret_cast<char*>(e.packet->data), e.packet->dataLength);
    if (e.channelID != net::kControlChannel) {
      ++frames;
      received.emplace_back(e.packet->data, e.packet->data + e.packet->dataLength);
    } else if (text.rfind("VOICECHALLENGE: ", 0) == 0 && text.size() == 16 + 32) {
      std::vector<std::uint8_t> bytes;
      for (std::size_t i = 16; i < text.size(); i += 2)
        bytes.push_back(static_cast<std::uint8_t>(std::stoi(text.substr(i, 2), nullptr, 16)));
      challenges[e.peer] = bytes;
    } else {
      control.push_back(text);
    }
    enet_packet_destroy(e.packet);
  }

  net::EnetHostPtr m_host;
};

}  // namespace voixer::test
