// seal_cost: what sealing costs, on one core, without the network.
//
//   seal_cost [--seconds S]
//
// Prints, each as the median of 5 runs of S/5 seconds:
//   - a handshake on the server's side (an ephemeral key exchange and one
//     Ed25519 signature), and on the client's (the same, and a verification);
//   - sealing and opening text records of 8 KiB (the largest), in MB/s;
//   - sealing plus opening one voice frame of 60 bytes (a client frame
//     opened by the server and sealed again for one recipient), in µs.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/sealed_stream.hpp"
#include "core/voice_seal.hpp"

using namespace voixer::core;
using Clock = std::chrono::steady_clock;

namespace {

std::span<const std::uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// Runs `once` for `seconds`; returns the time of one, in µs (median of 5).
template <class F>
double per_call_us(double seconds, F once) {
  std::vector<double> runs;
  for (int r = 0; r < 5; ++r) {
    auto end = Clock::now() + std::chrono::duration<double>(seconds / 5);
    long n = 0;
    auto start = Clock::now();
    while (Clock::now() < end) {
      for (int i = 0; i < 16; ++i) once();
      n += 16;
    }
    runs.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count() / n);
  }
  std::sort(runs.begin(), runs.end());
  return runs[2];
}

// A complete handshake between the two sides.
void handshake(SealedClientSide& client, SealedServerSide& server) {
  std::string plain, out, error, header;
  server.receive(bytes(client.hello()), plain, out, error);
  client.receive(bytes(out), plain, error);
  client.accept(header, plain, error);
  server.receive(bytes(header), plain, out, error);
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 5;
  for (int i = 1; i + 1 < argc; i += 2)
    if (std::string(argv[i]) == "--seconds") seconds = std::atof(argv[i + 1]);
  Identity identity = Identity::generate();

  SealedClientSide first;
  std::string hello = first.hello();
  double server_us = per_call_us(seconds, [&] {
    SealedServerSide server(identity);
    std::string plain, out, error;
    server.receive(bytes(hello), plain, out, error);
  });
  double both_us = per_call_us(seconds, [&] {
    SealedClientSide client;
    SealedServerSide server(identity);
    handshake(client, server);
  });

  // Text records of 8 KiB, both ways of one connection.
  SealedClientSide client;
  SealedServerSide server(identity);
  handshake(client, server);
  std::string error;
  std::string record_plain(kMaxRecordPlain, 'x'), wire, opened;
  double record_us = per_call_us(seconds, [&] {
    wire.clear();
    opened.clear();
    client.seal(record_plain, wire);
    std::string ignored;
    server.receive(bytes(wire), opened, ignored, error);
  });

  // One voice frame: the client seals, the server opens and seals again,
  // the recipient opens (all four steps; the server's share is half).
  VoiceKeys a = derive_voice_keys("0123456789abcdef0123456789abcdef");
  VoiceKeys b = derive_voice_keys("fedcba9876543210fedcba9876543210");
  std::vector<std::uint8_t> frame(60, 7), sealed(200), open(200), again(200), heard(200);
  std::uint32_t counter = 0;
  double voice_us = per_call_us(seconds, [&] {
    ++counter;
    std::size_t n = seal_voice(a, VoiceDirection::ToServer, counter, frame, sealed);
    auto o = open_voice(a, VoiceDirection::ToServer, {sealed.data(), n}, open);
    std::size_t m = seal_voice(b, VoiceDirection::ToClient, counter, {open.data(), o->length}, again);
    open_voice(b, VoiceDirection::ToClient, {again.data(), m}, heard);
  });

  std::printf("handshake, server side: %.1f us (key exchange and signature)\n", server_us);
  std::printf("handshake, both sides:  %.1f us (and verification, key pair)\n", both_us);
  std::printf("text: an 8 KiB record sealed and opened in %.1f us = %.0f MB/s\n", record_us,
              kMaxRecordPlain / record_us);
  std::printf("voice: a 60-byte frame sealed, opened, sealed again and opened: %.2f us "
              "(the server's share, open + seal per recipient: about half)\n", voice_us);
  return 0;
}
