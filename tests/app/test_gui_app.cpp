// The window's behaviour without the window: GuiApp (start screen, session,
// client model, intents) against real servers on loopback. The views only
// draw this object and call its methods.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <algorithm>
#include <filesystem>
#include <mutex>

#include "app/gui/gui_app.hpp"
#include "net/running_server.hpp"
#include "net/test_client.hpp"

using namespace voixer;
using app::GuiApp;
using test::RunningServer;
using test::TestClient;

namespace {

// Wakes from the session's network thread, like glfwPostEmptyEvent.
struct Waker {
  std::mutex m;
  std::condition_variable cv;
  bool woken = false;
  void wake() {
    {
      std::lock_guard l(m);
      woken = true;
    }
    cv.notify_all();
  }
};

struct Harness {
  Waker waker;
  std::string dir = (std::filesystem::temp_directory_path() /
                     ("voixer-gui-app-" + std::to_string(::getpid()))).string();
  std::unique_ptr<GuiApp> app;
  explicit Harness(app::GuiOptions options = {}) {
    setenv("SDL_AUDIODRIVER", "dummy", 1);
    std::filesystem::create_directories(dir);
    app::AppSettings s;
    s.nickname = "alice";
    app = std::make_unique<GuiApp>(s, dir + "/voixer.conf", [this] { waker.wake(); }, options);
  }
  // Pumps events into the app until `done` holds (or 5 s pass).
  template <class F>
  bool until(F done, int timeout_ms = 5000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      app->pump();
      if (done()) return true;
      if (std::chrono::steady_clock::now() > deadline) return false;
      // Woken by the network, or every 50 ms as the window polls while
      // something moves (file transfers).
      std::unique_lock l(waker.m);
      waker.cv.wait_for(l, std::chrono::milliseconds(50), [&] { return waker.woken; });
      waker.woken = false;
    }
  }
  const core::Conversation* conversation(const std::string& name) { return app->model().find(name); }
  bool shows(const std::string& conv, const std::string& text) {
    const auto* c = conversation(conv);
    if (!c) return false;
    for (const auto& l : c->lines)
      if (l.text == text) return true;
    return false;
  }
};

// Listens on a port the kernel picks, so no other test can hold it first.
int listening_socket(std::uint16_t& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_ANY);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(fd, 1) == 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
  return fd;
}

}  // namespace

TEST_CASE("start screen: hosting on a port in use says so and offers another port") {
  Harness h;
  std::uint16_t port = 0;
  int blocker = listening_socket(port);
  h.app->form().port = std::to_string(port);
  h.app->host();
  CHECK(h.app->form().error == "Cannot host: port " + std::to_string(port) + " is already in use.");
  CHECK(h.app->form().offer_other_port);
  CHECK(h.app->screen() == app::Screen::Start);
  ::close(blocker);
}

TEST_CASE("start screen: an unreachable server and a bad address are explained") {
  Harness h;
  h.app->form().address = "127.0.0.1:" + std::to_string(test::free_port());
  h.app->join();
  REQUIRE(h.until([&] { return !h.app->form().error.empty(); }));
  CHECK(h.app->form().error.find("Cannot connect to 127.0.0.1:") == 0);
  CHECK(h.app->settings().recent.empty());  // a server that never answered is not remembered
  h.app->form().address = "lanbox:99999";
  h.app->join();
  CHECK(h.app->form().error == "Address: port must be a number from 1 to 65535");
  h.app->form().nickname = "no spaces allowed";
  h.app->join();
  CHECK(h.app->form().error == "Nickname may only contain letters, digits, '_' and '-'");
}

TEST_CASE("start screen: a taken nickname is shown, and another one gets in") {
  RunningServer s;
  TestClient other(s.port());
  other.login("alice");
  Harness h;
  h.app->form().address = "127.0.0.1:" + std::to_string(s.port());
  h.app->join();
  REQUIRE(h.until([&] { return h.app->model().phase() == core::ConnectionPhase::Refused; }));
  CHECK(h.app->form().error == "The nickname 'alice' is already taken");
  h.app->form().nickname = "alice2";
  h.app->join();
  REQUIRE(h.until([&] { return h.app->screen() == app::Screen::Main; }));
  CHECK(h.app->model().nickname() == "alice2");
  CHECK(h.app->settings().recent.front() == "127.0.0.1:" + std::to_string(s.port()));
}

TEST_CASE("hosting: friends join, chat goes both ways, a call is accepted from the window") {
  Harness h;
  std::uint16_t port = test::free_port();
  h.app->form().port = std::to_string(port);
  h.app->host();
  REQUIRE(h.until([&] { return h.app->screen() == app::Screen::Main; }));
  CHECK(h.app->hosting());
  CHECK_FALSE(h.app->host_addresses().empty());
  TestClient bob(port);
  bob.login("bob");
  REQUIRE(h.until([&] { return h.shows("#lobby", "bob joined"); }));
  h.app->send_text("hello bob");
  CHECK(bob.until("MSG alice #lobby: hello bob").empty());
  bob.send("MSG #lobby: hi alice");
  REQUIRE(h.until([&] { return h.shows("#lobby", "hi alice"); }));
  h.app->take_attention();  // what came so far
  bob.send("MSG alice: just you");
  REQUIRE(h.until([&] { return h.shows("bob", "just you"); }));
  CHECK(h.conversation("bob")->unread == 1);
  auto attention = h.app->take_attention();  // a private message: the window asks for attention
  CHECK(attention.flash);
  CHECK(attention.summary == "bob");
  CHECK(attention.body == "just you");
  CHECK_FALSE(h.app->take_attention().flash);  // once
  h.app->settings().flash_on_mention = false;
  bob.send("MSG #lobby: alice, still there?");
  REQUIRE(h.until([&] { return h.shows("#lobby", "alice, still there?"); }));
  attention = h.app->take_attention();
  CHECK_FALSE(attention.flash);  // switched off in Settings
  CHECK(attention.summary == "bob in #lobby");  // the notification is its own switch
  h.app->settings().notify_desktop = false;
  bob.send("MSG #lobby: alice?");
  REQUIRE(h.until([&] { return h.shows("#lobby", "alice?"); }));
  CHECK(h.app->take_attention().summary.empty());
  h.app->join_channel("games");
  REQUIRE(h.until([&] { return h.conversation("#games") && h.conversation("#games")->joined; }));
  CHECK(h.app->model().active()->name == "#games");

  bob.send("TALK alice: REQUEST");
  std::string offer = bob.next_line().value_or("");
  REQUIRE(offer.rfind("TALK alice ", 0) == 0);
  std::string key = offer.substr(11, 32);
  REQUIRE(h.until([&] { return h.app->model().incoming().has_value(); }));
  CHECK(h.app->model().incoming()->from == "bob");
  h.app->accept_call();
  CHECK(bob.next_line() == "TALK " + key + ": ACCEPTED");
  CHECK(bob.next_line() == "TALKMEMBERS " + key + ": bob, alice");
  REQUIRE(h.until([&] { return h.app->model().call_state().phase == core::CallPhase::InCall; }));
  CHECK(h.app->model().in_my_call("bob"));
  // The ring gave the sound device back in time: the call has its audio.
  CHECK(h.app->engine() != nullptr);
  CHECK(h.app->voice_problem() == "");
  h.app->hang_up();
  REQUIRE(h.until([&] { return h.app->model().call_state().phase == core::CallPhase::None; }));

  // The window that hosts is the operator and can throw someone out.
  REQUIRE(h.until([&] { return h.app->model().is_operator(); }));
  h.app->kick("bob");
  std::vector<std::string> last;
  CHECK(bob.closed_within(3000, &last));
  CHECK(std::find(last.begin(), last.end(), "ERROR KICKED: Kicked by alice for 60 more seconds: kicked by the host") != last.end());
}

TEST_CASE("the connection drops: reconnecting, then back with channels rejoined") {
  std::uint16_t port = test::free_port();
  auto options = RunningServer::test_options();
  options.port = port;
  auto server = std::make_unique<RunningServer>(RunningServer::test_config(), options);
  Harness h;
  h.app->form().address = "127.0.0.1:" + std::to_string(port);
  h.app->join();
  REQUIRE(h.until([&] { return h.app->screen() == app::Screen::Main; }));
  h.app->join_channel("#games");
  REQUIRE(h.until([&] { return h.conversation("#games") && h.conversation("#games")->joined; }));
  server.reset();  // the server goes away
  REQUIRE(h.until([&] { return h.app->model().phase() == core::ConnectionPhase::Reconnecting; }));
  CHECK_FALSE(h.conversation("#games")->joined);
  auto restarted = std::chrono::steady_clock::now();
  server = std::make_unique<RunningServer>(RunningServer::test_config(), options);
  REQUIRE(h.until([&] {
    return h.app->model().phase() == core::ConnectionPhase::Connected &&
           h.conversation("#games")->joined;
  }));
  auto took = std::chrono::steady_clock::now() - restarted;
  MESSAGE("back in #games "
          << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
          << " ms after the server restarted");
  TestClient carol(port);
  carol.login("carol");
  carol.send("JOIN: #games");
  carol.send("MSG #games: welcome back");
  REQUIRE(h.until([&] { return h.shows("#games", "welcome back"); }));
}

TEST_CASE("hosting: the host bans a user from the user list, sees the ban, and lifts it") {
  Harness h;
  std::uint16_t port = test::free_port();
  h.app->form().port = std::to_string(port);
  h.app->host();
  REQUIRE(h.until([&] { return h.app->model().is_operator(); }));
  auto bob = std::make_unique<TestClient>(port);
  bob->login("bob");
  REQUIRE(h.until([&] { return h.shows("#lobby", "bob joined"); }));
  h.app->ban("bob", 60);
  std::vector<std::string> last;
  CHECK(bob->closed_within(3000, &last));
  CHECK(std::find(last.begin(), last.end(),
                  "ERROR KICKED: Banned by alice for 60 more minutes: banned by the host") != last.end());
  REQUIRE(h.until([&] { return h.app->model().bans().size() == 1; }));
  CHECK(h.app->model().bans()[0].nickname == "bob");
  CHECK(h.app->model().bans()[0].address == "127.0.0.1");
  TestClient again(port);
  last.clear();
  CHECK(again.closed_within(3000, &last));
  REQUIRE(!last.empty());
  CHECK_MESSAGE(last.front().rfind("ERROR BANNED: You are banned from this server for 60 more minutes", 0) == 0, last.front());
  h.app->unban("bob");
  REQUIRE(h.until([&] { return h.app->model().bans().empty(); }));
  TestClient back(port);
  back.login("bob");
}

TEST_CASE("settings: the window's choices are saved and read back, the mention flash, echo cancellation and low delay included") {
  std::string path = (std::filesystem::temp_directory_path() /
                      ("voixer-settings-" + std::to_string(::getpid()) + ".conf")).string();
  app::AppSettings s;
  s.nickname = "zoe";
  s.flash_on_mention = false;
  s.ptt_key = "F1";
  s.frame_ms = 10;
  s.echo_cancellation = false;
  s.low_delay = true;
  REQUIRE(app::save_settings(path, s) == "");
  app::AppSettings back = app::load_settings(path);
  CHECK(back.nickname == "zoe");
  CHECK_FALSE(back.flash_on_mention);
  CHECK(back.ptt_key == "F1");
  CHECK(back.frame_ms == 10);
  CHECK_FALSE(back.echo_cancellation);
  CHECK(back.low_delay);
  CHECK_FALSE(app::load_settings("/nonexistent/voixer.conf").low_delay);  // off by default
  CHECK(app::load_settings("/nonexistent/voixer.conf").flash_on_mention);  // on by default
  CHECK(app::load_settings("/nonexistent/voixer.conf").echo_cancellation);  // on by default
  std::filesystem::remove(path);
}

TEST_CASE("a server that shows another identity than before: the window warns, trusts only when told") {
  std::uint16_t port = test::free_port();
  auto options = RunningServer::test_options();
  options.port = port;
  std::string address = "127.0.0.1:" + std::to_string(port);
  auto server = std::make_unique<RunningServer>(RunningServer::test_config(), options);
  std::string first_words = core::fingerprint_words(options.identity->public_key);
  Harness h;
  h.app->form().address = address;
  h.app->join();
  REQUIRE(h.until([&] { return h.app->screen() == app::Screen::Main; }));
  CHECK(h.app->server_fingerprint() == first_words);
  CHECK(h.app->known_fingerprint(address) == first_words);  // shown in the recent list
  server.reset();
  // Another machine answers at that address, with an identity of its own:
  // the window's reconnect meets it.
  auto impostor = std::make_shared<const core::Identity>(core::Identity::generate());
  options.identity = impostor;
  server = std::make_unique<RunningServer>(RunningServer::test_config(), options);
  REQUIRE(h.until([&] { return h.app->identity_changed(); }));
  CHECK(h.app->identity_change_message().find(core::fingerprint_words(impostor->public_key)) !=
        std::string::npos);
  CHECK(h.app->model().phase() != core::ConnectionPhase::Connected);
  CHECK(test::on_server_thread(*server, [&] { return server->server->state().user_count(); }) == 0);
  h.app->cancel_new_identity();
  CHECK(h.app->screen() == app::Screen::Start);
  CHECK(h.app->form().error.find("Not joined: the server's identity has changed") == 0);
  CHECK(h.app->known_fingerprint(address) == first_words);  // still the old pin
  h.app->join();
  REQUIRE(h.until([&] { return h.app->identity_changed(); }));
  h.app->trust_new_identity();
  REQUIRE(h.until([&] { return h.app->screen() == app::Screen::Main &&
                               h.app->model().phase() == core::ConnectionPhase::Connected; }));
  CHECK(h.app->server_fingerprint() == core::fingerprint_words(impostor->public_key));
  CHECK(h.app->known_fingerprint(address) == core::fingerprint_words(impostor->public_key));
}

TEST_CASE("the start screen lists the servers on the network and joins one with a click") {
  app::GuiOptions options;
  options.discovery_port = test::free_udp_port();
  auto server_options = RunningServer::test_options();
  server_options.bind_address = "0.0.0.0";
  server_options.discovery = net::DiscoveryOptions{options.discovery_port, "Bob's LAN", "bob"};
  RunningServer s(RunningServer::test_config(), server_options);
  Harness h(options);
  const core::LanServer* found = nullptr;
  std::vector<core::LanServer> list;
  REQUIRE(h.until([&] {
    list = h.app->lan_servers();
    for (const auto& l : list)
      if (l.info.port == s.port()) found = &l;
    return found != nullptr;
  }));
  CHECK(found->info.name == "Bob's LAN");
  CHECK(found->info.host == "bob");
  h.app->join_lan(*found);
  REQUIRE(h.until([&] { return h.app->screen() == app::Screen::Main; }));
  CHECK(h.app->connected_to() == found->address());
  CHECK(h.app->lan_servers().empty());  // not watched any more
  CHECK(test::on_server_thread(s, [&] { return s.server->state().user_count(); }) == 1);
}

namespace {

// A small picture in BMP, a format simple enough to write by hand.
void write_bmp(const std::string& path, int w, int h) {
  std::uint32_t row = static_cast<std::uint32_t>(w * 3 + 3) / 4 * 4, size = 54 + row * h;
  std::vector<std::uint8_t> b(size, 0);
  auto put32 = [&](std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
  };
  b[0] = 'B';
  b[1] = 'M';
  put32(2, size);
  put32(10, 54);
  put32(14, 40);
  put32(18, static_cast<std::uint32_t>(w));
  put32(22, static_cast<std::uint32_t>(h));
  b[26] = 1;
  b[28] = 24;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) b[54 + y * row + x * 3 + 2] = 0xd0;  // red
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), size);
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

const core::FileShared* shared_file(Harness& h, const std::string& name) {
  const auto* c = h.conversation("#lobby");
  if (!c) return nullptr;
  for (const auto& l : c->lines)
    if (l.file && l.file->name == name) return &*l.file;
  return nullptr;
}

}  // namespace

TEST_CASE("files in the window: dropped files are shared, an image comes for its thumbnail, Download saves one") {
  std::string dir = (std::filesystem::temp_directory_path() /
                     ("voixer-gui-files-" + std::to_string(::getpid()))).string();
  std::filesystem::create_directories(dir);
  auto config = RunningServer::test_config();
  config.files_quota = 100'000'000;
  auto server_options = RunningServer::test_options();
  server_options.files_directory = dir + "/server";
  RunningServer s(config, server_options);
  std::string address = "127.0.0.1:" + std::to_string(s.port());
  Harness alice, bob;
  bob.app->form().nickname = "bob";
  for (Harness* h : {&alice, &bob}) {
    h->app->form().address = address;
    h->app->join();
    REQUIRE(h->until([&] { return h->app->model().phase() == core::ConnectionPhase::Connected &&
                                  h->app->model().active(); }));
  }
  write_bmp(dir + "/red square.bmp", 64, 32);
  std::ofstream(dir + "/notes.txt") << "bring a power strip\n";
  alice.app->share_files({dir + "/red square.bmp", dir + "/notes.txt", dir + "/gone.txt"});
  CHECK(alice.app->file_problem() == "no file " + dir + "/gone.txt");
  CHECK(alice.app->uploads("#lobby").size() == 2);
  // Both windows run (alice's sends as bob's receives). A transfer is a
  // connection and a sealed handshake of its own: under a sanitizer on a
  // busy machine that took over 5 s once, so these waits are longer.
  constexpr int kTransferMs = 30'000;
  auto both = [&](auto done) {
    return bob.until([&] { alice.app->pump(); return done(); }, kTransferMs);
  };
  REQUIRE(both([&] { return shared_file(bob, "red square.bmp") && shared_file(bob, "notes.txt"); }));
  const auto image = *shared_file(bob, "red square.bmp");
  const auto text = *shared_file(bob, "notes.txt");
  CHECK(image.sender == "alice");
  // The picture comes on its own (for the thumbnail); the text file waits for a click.
  REQUIRE(both([&] { return !bob.app->image_path(image.id).empty(); }));
  CHECK(read_all(bob.app->image_path(image.id)) == read_all(dir + "/red square.bmp"));
  CHECK_FALSE(bob.app->file_job(text.id));
  bob.app->fetch_file(text.id);
  REQUIRE(bob.until([&] {
    auto j = bob.app->file_job(text.id);
    return j && j->state == client::FileJobView::State::Done;
  }, kTransferMs));
  std::string saved = bob.app->file_job(text.id)->saved_path;
  CHECK(saved == std::string(std::getenv("XDG_DOWNLOAD_DIR")) + "/notes.txt");
  CHECK(read_all(saved) == "bring a power strip\n");
  REQUIRE(alice.until([&] { return alice.app->uploads("#lobby").empty(); }, kTransferMs));
  // A window opened later finds the picture where the others keep it
  // (the same user's cache): it is shown without being fetched again.
  Harness carol;
  carol.app->form().nickname = "carol";
  carol.app->form().address = address;
  carol.app->join();
  REQUIRE(carol.until([&] { return shared_file(carol, "red square.bmp") != nullptr; }));
  CHECK(carol.app->image_path(image.id) == bob.app->image_path(image.id));
  CHECK_FALSE(carol.app->file_job(image.id));
  std::filesystem::remove_all(dir);
}

TEST_CASE("the Mic test without sound ends at once and the call panel says why") {
  RunningServer s;
  app::GuiOptions options;
  options.wav_in = "/nonexistent/voixer-microphone.wav";
  Harness h(options);
  h.app->form().address = "127.0.0.1:" + std::to_string(s.port());
  h.app->join();
  REQUIRE(h.until([&] { return h.app->model().phase() == core::ConnectionPhase::Connected; }));
  h.app->mic_test();
  REQUIRE(h.until([&] { return !h.app->voice_problem().empty(); }));
  CHECK(h.app->voice_problem().rfind("the mic test needs a microphone and speakers: ", 0) == 0);
  REQUIRE(h.until([&] { return h.app->model().call_state().phase == core::CallPhase::None; }));
  // The server holds no call for alice any more.
  REQUIRE(h.until([&] {
    return test::on_server_thread(s, [&] { return s.server->state().call_count(); }) == 0;
  }));
}

TEST_CASE("hosting: the window's server keeps its history under XDG data home, and it is there after a restart") {
  std::uint16_t port = test::free_port();
  const std::string file = std::string(std::getenv("XDG_DATA_HOME")) + "/voixer/history.sqlite3";
  {
    Harness h;
    h.app->form().port = std::to_string(port);
    h.app->host();
    REQUIRE_MESSAGE(h.until([&] { return h.app->model().is_operator(); }),
                    "the form says: " << h.app->form().error);
    TestClient bob(port);
    bob.login("bob");
    bob.send("MSG #lobby: remember the pizza order");
    REQUIRE(h.until([&] { return h.shows("#lobby", "remember the pizza order"); }));
    CHECK(std::filesystem::exists(file));
  }  // the window closes: its server stops
  Harness again;
  again.app->form().port = std::to_string(port);
  again.app->host();
  REQUIRE(again.until([&] { return again.shows("#lobby", "remember the pizza order"); }));
}
