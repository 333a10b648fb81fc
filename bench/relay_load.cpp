// relay_load: the voice relay under a LAN party's worth of talking.
//
//   relay_load VOIXER_EXE [--calls 10] [--members 10] [--seconds 10] [--speech FILE.wav]
//              [--sealed on|off] [--rooms on|off]
//   relay_load --connect PORT --server-pid PID [...]   (a server already running)
//
// Starts `voixer serve`, sets up --calls group calls of --members members
// over the text protocol (one calls the next, who invites the rest), binds
// one ENet peer per member (sealed, as voixer's clients do: TALKPROOF and
// frames sealed per member; --sealed off: the seed's TALKSESSION and plain
// frames; --rooms on: each group is a channel's voice room, joined with
// VOICEJOIN instead of being called and invited), and makes every member
// talk:
// one Opus frame every 20 ms (real packets: synthetic voice encoded with
// the engine's settings, or --speech, any WAV file). It counts the frames that come back forwarded and
// reads the server's CPU time from /proc, and prints:
//   - server CPU per forwarded frame and the share of one core,
//   - what one talker puts on the wire (UDP payload from ENet's counters
//     plus 28 bytes of IPv4 and UDP headers per datagram), in kbit/s.
#include <arpa/inet.h>
#include <fcntl.h>
#include <enet/enet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/analysis.hpp"
#include "support/ports.hpp"
#include "audio/opus_codec.hpp"
#include "audio/wav.hpp"
#include "core/voice_frame.hpp"
#include "core/voice_seal.hpp"

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void fail(const std::string& why) {
  std::fprintf(stderr, "relay_load: %s\n", why.c_str());
  std::exit(1);
}


double cpu_seconds(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), {});
  auto close = s.rfind(')');
  std::istringstream in(s.substr(close + 2));
  std::string field;
  unsigned long utime = 0, stime = 0;
  for (int i = 3; i <= 15; ++i) {
    in >> field;
    if (i == 14) utime = std::stoul(field);
    if (i == 15) stime = std::stoul(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// A blocking text-protocol connection.
struct Line {
  int fd = -1;
  std::string buf;
  explicit Line(std::uint16_t port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) fail("cannot connect");
  }
  void send(const std::string& l) {
    std::string s = l + "\n";
    if (::write(fd, s.data(), s.size()) != static_cast<ssize_t>(s.size())) fail("write failed");
  }
  std::string next() {
    for (;;) {
      if (auto nl = buf.find('\n'); nl != std::string::npos) {
        std::string l = buf.substr(0, nl);
        buf.erase(0, nl + 1);
        if (l.rfind("PING: ", 0) == 0) {
          send("PONG: " + l.substr(6));
          continue;
        }
        return l;
      }
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 10000) <= 0) fail("timed out waiting for the server");
      char chunk[65536];
      ssize_t n = ::read(fd, chunk, sizeof chunk);
      if (n <= 0) fail("server closed a connection");
      buf.append(chunk, static_cast<std::size_t>(n));
    }
  }
  // Answers any PING that has arrived, without waiting: the server drops a
  // client that leaves its PINGs unanswered (150 s), and a long run must
  // stay connected.
  void answer_pings() {
    pollfd p{fd, POLLIN, 0};
    while (::poll(&p, 1, 0) > 0) {
      char chunk[65536];
      ssize_t n = ::read(fd, chunk, sizeof chunk);
      if (n <= 0) fail("server closed a connection");
      buf.append(chunk, static_cast<std::size_t>(n));
    }
    std::size_t nl;
    while ((nl = buf.find('\n')) != std::string::npos) {
      std::string l = buf.substr(0, nl);
      buf.erase(0, nl + 1);
      if (l.rfind("PING: ", 0) == 0) send("PONG: " + l.substr(6));
    }
  }
  std::string until_prefix(const std::string& prefix) {
    for (;;) {
      std::string l = next();
      if (l.rfind(prefix, 0) == 0) return l;
    }
  }
};

std::string offer_key(const std::string& line) {
  auto second = line.find(' ', 5);
  return line.substr(second + 1, line.find(':') - second - 1);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help") {
    std::printf("usage: relay_load VOIXER_EXE [--calls N] [--members M] [--seconds T] [--speech F.wav] [--sealed on|off] [--rooms on|off]\n");
    return argc < 2 ? 2 : 0;
  }
  int calls = 10, members = 10;
  int connect_port = 0;
  pid_t server_pid = 0;
  std::string prefix = "u";
  bool sealed = true;  // --sealed off: the seed clients' plain binding and frames
  bool rooms = false;  // --rooms on: voice rooms instead of calls
  double seconds = 10;
  std::string speech;
  int first_option = std::string(argv[1]).rfind("--", 0) == 0 ? 1 : 2;
  for (int i = first_option; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--calls") calls = std::atoi(argv[i + 1]);
    else if (k == "--members") members = std::atoi(argv[i + 1]);
    else if (k == "--seconds") seconds = std::atof(argv[i + 1]);
    else if (k == "--speech") speech = argv[i + 1];
    else if (k == "--connect") connect_port = std::atoi(argv[i + 1]);
    else if (k == "--server-pid") server_pid = std::atoi(argv[i + 1]);
    else if (k == "--nick-prefix") prefix = argv[i + 1];
    else if (k == "--sealed") sealed = std::string(argv[i + 1]) == "on";
    else if (k == "--rooms") rooms = std::string(argv[i + 1]) == "on";
    else fail("unknown option " + k);
  }
  const int users = calls * members;
  std::uint16_t port = connect_port ? static_cast<std::uint16_t>(connect_port) : voixer::test::free_tcp_port();
  pid_t server = server_pid;
  if (!connect_port) {
    server = ::fork();
    if (server == 0) {
      int devnull = ::open("/dev/null", O_WRONLY);
      ::dup2(devnull, 2);
      std::string p = std::to_string(port);
      ::execl(argv[1], argv[1], "serve", "--bind", "127.0.0.1", "--port", p.c_str(), "--quiet",
              "--flood-rate", "0", "--max-per-address", "0", "--max-pending-per-address", "1000",
              "--max-pending", "1000", "--max-voice-per-address", "0", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }

  // Text side: log in, build the calls, learn every member's session key.
  std::vector<std::unique_ptr<Line>> conns;
  for (int u = 0; u < users; ++u) {
    conns.push_back(std::make_unique<Line>(port));
    conns[u]->send("CONNECT: " + prefix + std::to_string(u));
    conns[u]->until_prefix("USERLIST #lobby");
  }
  std::vector<std::string> keys(users);
  for (int c = 0; c < calls && rooms; ++c) {
    std::string room = "#room" + std::to_string(c);
    for (int u = c * members; u < (c + 1) * members; ++u) {
      conns[u]->send("JOIN: " + room);
      conns[u]->send("VOICEJOIN: " + room);
      std::string joined = conns[u]->until_prefix("VOICEJOINED " + room + ": ");
      keys[u] = joined.substr(joined.find(": ") + 2);
    }
  }
  for (int c = 0; c < calls && !rooms; ++c) {
    int first = c * members;
    conns[first]->send("TALK " + prefix + std::to_string(first + 1) + ": REQUEST");
    keys[first] = offer_key(conns[first]->until_prefix("TALK "));
    for (int m = 1; m < members; ++m) {
      int u = first + m;
      if (m > 1)
        conns[first]->send("TALK " + keys[first] + " " + prefix + std::to_string(u) + ": INVITE");
      keys[u] = offer_key(conns[u]->until_prefix("TALK "));
      conns[u]->send("TALK " + keys[u] + ": ACCEPT");
      conns[u]->until_prefix("TALKMEMBERS ");
    }
  }

  // Voice side: one ENet peer per member, all in this process.
  if (enet_initialize() != 0) fail("ENet failed to initialise");
  ENetHost* host = enet_host_create(nullptr, static_cast<std::size_t>(users), 2, 0, 0);
  ENetAddress address{};
  enet_address_set_host_ip(&address, "127.0.0.1");
  address.port = port;
  std::vector<ENetPeer*> peers(users);
  std::map<ENetPeer*, int> index;
  for (int u = 0; u < users; ++u) {
    peers[u] = enet_host_connect(host, &address, 2, 0);
    index[peers[u]] = u;
  }
  int connected = 0, bound = 0;
  long forwarded = 0;
  // Sealed: every member binds with a proof of its key for the challenge
  // its peer was sent, and seals each frame under its own key.
  std::vector<voixer::core::VoiceKeys> voice_keys(users);
  for (int u = 0; u < users && sealed; ++u) voice_keys[u] = voixer::core::derive_voice_keys(keys[u]);
  auto control = [&](ENetPeer* p, const std::string& line) {
    enet_peer_send(p, 0, enet_packet_create(line.data(), line.size(), ENET_PACKET_FLAG_RELIABLE));
  };
  auto service = [&](int timeout_ms) {
    ENetEvent ev;
    while (enet_host_service(host, &ev, timeout_ms) > 0) {
      timeout_ms = 0;
      if (ev.type == ENET_EVENT_TYPE_CONNECT) {
        int u = index[ev.peer];
        if (!sealed) control(ev.peer, "TALKSESSION: " + keys[u]);
        ++connected;
      } else if (ev.type == ENET_EVENT_TYPE_RECEIVE) {
        std::string text(reinterpret_cast<char*>(ev.packet->data), ev.packet->dataLength);
        if (ev.channelID == 0 && sealed && text.rfind("VOICECHALLENGE: ", 0) == 0) {
          std::vector<std::uint8_t> challenge;
          for (std::size_t i = 16; i + 1 < text.size(); i += 2)
            challenge.push_back(static_cast<std::uint8_t>(std::stoi(text.substr(i, 2), nullptr, 16)));
          const auto& k = voice_keys[index[ev.peer]];
          control(ev.peer, "TALKPROOF: " + k.id + " " + voixer::core::voice_proof(k, challenge));
        } else if (ev.channelID == 0) {
          if (std::memcmp(ev.packet->data, "SESSIONACCEPTED", 15) == 0) ++bound;
        } else {
          ++forwarded;
        }
        enet_packet_destroy(ev.packet);
      }
    }
  };
  auto deadline = Clock::now() + std::chrono::seconds(20);
  while (bound < users && Clock::now() < deadline) service(10);
  if (bound < users) fail("only " + std::to_string(bound) + " of " + std::to_string(users) + " voice peers bound");

  // Real Opus packets: synthetic voice through the engine's encoder settings.
  voixer::audio::Encoder encoder;
  auto voice = speech.empty() ? voixer::audio::synth_voice(2.0)
                              : voixer::audio::read_wav_48k_mono(speech);
  std::vector<std::vector<std::uint8_t>> frames;
  std::uint8_t opus[1275];
  for (std::size_t at = 0; at + 960 <= voice.size(); at += 960) {
    std::size_t n = encoder.encode(voice.data() + at, opus, sizeof opus);
    std::vector<std::uint8_t> frame;
    voixer::core::write_client_voice(frame, 0, std::span(opus, n));
    frames.push_back(frame);
  }

  std::vector<std::uint32_t> counter(users);
  std::vector<std::uint8_t> sealed_frame(2048);
  auto talk = [&](double duration) {
    auto start = Clock::now();
    auto next = start;
    std::uint16_t seq = 0;
    while (Clock::now() - start < std::chrono::duration<double>(duration)) {
      auto& f = frames[seq % frames.size()];
      f[1] = static_cast<std::uint8_t>(seq >> 8);
      f[2] = static_cast<std::uint8_t>(seq & 0xFF);
      for (int u = 0; u < users; ++u) {
        const std::uint8_t* bytes = f.data();
        std::size_t n = f.size();
        if (sealed) {
          n = voixer::core::seal_voice(voice_keys[u], voixer::core::VoiceDirection::ToServer,
                                       ++counter[u], f, sealed_frame);
          bytes = sealed_frame.data();
        }
        enet_peer_send(peers[u], 1, enet_packet_create(bytes, n, ENET_PACKET_FLAG_UNSEQUENCED));
      }
      enet_host_flush(host);
      ++seq;
      if (seq % 50 == 0)
        for (auto& c : conns) c->answer_pings();
      next += std::chrono::milliseconds(20);
      while (Clock::now() < next) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now()).count();
        service(static_cast<int>(std::max<long long>(0, left)));
      }
    }
  };
  talk(1.0);  // warm-up
  forwarded = 0;
  host->totalSentData = host->totalSentPackets = 0;
  double cpu0 = server ? cpu_seconds(server) : 0;
  auto t0 = Clock::now();
  talk(seconds);
  double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  double cpu = server ? cpu_seconds(server) - cpu0 : 0;
  long sent_frames = static_cast<long>(elapsed / 0.02) * users;
  double per_talker_kbps =
      (static_cast<double>(host->totalSentData) + 28.0 * host->totalSentPackets) * 8 / elapsed / users / 1000;
  double avg_opus = 0;
  for (auto& f : frames) avg_opus += f.size() - 3;
  avg_opus /= frames.size();

  std::printf("%s %d x %d members, %d talkers, %.1f s, voice %s\n", rooms ? "rooms" : "calls", calls,
              members, users, elapsed, sealed ? "sealed" : "plain");
  std::printf("frames sent ~%ld (%.0f/s), forwarded and received %ld (%.0f/s, %.3f%% of 9 per frame sent)\n", sent_frames,
              sent_frames / elapsed, forwarded, forwarded / elapsed,
              100.0 * forwarded / std::max(1L, sent_frames * (members - 1)));
  std::printf("server CPU %.2f s = %.2f us per forwarded frame (%.1f%% of one core)\n", cpu,
              cpu * 1e6 / std::max(1L, forwarded), cpu * 100 / elapsed);
  std::printf("per talker on the wire: %.1f kbit/s (Opus packets average %.0f bytes)\n",
              per_talker_kbps, avg_opus);
  std::printf("RESULT talkers=%d forwarded_per_s=%.0f server_us_per_frame=%.2f server_core_pct=%.1f talker_kbps=%.1f\n",
              users, forwarded / elapsed, cpu * 1e6 / std::max(1L, forwarded), cpu * 100 / elapsed,
              per_talker_kbps);
  for (auto* p : peers) enet_peer_disconnect_now(p, 0);
  enet_host_destroy(host);
  if (!connect_port) {
    ::kill(server, SIGTERM);
    ::waitpid(server, nullptr, 0);
  }
  return 0;
}
