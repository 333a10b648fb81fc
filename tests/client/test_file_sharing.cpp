// Shared files end to end: two client engines and a real server on
// loopback, the bytes over sealed file streams, checked by hash on both
// ends; transfers cut off mid-way and resumed; what the server refuses.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "client/driven.hpp"
#include "client/file_jobs.hpp"
#include "client/file_transfer.hpp"
#include "core/file_names.hpp"
#include "net/running_server.hpp"

using namespace voixer;
using client::ClientEvent;
using client::FileJobView;
using test::Driven;
using test::RunningServer;
namespace fs = std::filesystem;

namespace {

// A directory of the test's own, removed at the end.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name) : path(test::temp_path("files-" + name)) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

// `bytes` of random data (the same for the same seed).
void write_random(const std::string& path, std::uint64_t bytes, unsigned seed = 1) {
  std::mt19937_64 rng(seed);
  std::ofstream out(path, std::ios::binary);
  std::vector<std::uint64_t> block(1 << 16);
  for (std::uint64_t left = bytes; left > 0;) {
    for (auto& w : block) w = rng();
    auto n = static_cast<std::size_t>(std::min<std::uint64_t>(left, block.size() * 8));
    out.write(reinterpret_cast<const char*>(block.data()), static_cast<std::streamsize>(n));
    left -= n;
  }
}

std::string hash_of(const std::string& path) {
  std::string hash, error = client::hash_file(path, hash);
  REQUIRE_MESSAGE(error.empty(), error);
  return hash;
}

// A server that keeps files in `dir`, under `quota` bytes.
RunningServer file_server(const TempDir& dir, std::uint64_t quota = 2'000'000'000) {
  auto config = RunningServer::test_config();
  config.files_quota = quota;
  auto options = RunningServer::test_options();
  options.files_directory = dir / "server";
  return RunningServer(config, options);
}

void login(Driven& d, const RunningServer& s, const std::string& nick) {
  d.engine.connect("127.0.0.1", s.port(), nick);
  REQUIRE(d.until([&] { return d.connected() && d.engine.model().current_channel() == "#lobby"; }));
}

// The first file shared in #lobby as `d` sees it.
const core::FileShared* lobby_file(Driven& d) {
  const auto* c = d.engine.model().find("#lobby");
  if (!c) return nullptr;
  for (const auto& l : c->lines)
    if (l.file) return &*l.file;
  return nullptr;
}

bool saw_text(Driven& d, ClientEvent::Kind kind, const std::string& part) {
  return std::any_of(d.events.begin(), d.events.end(), [&](const ClientEvent& e) {
    return e.kind == kind && e.text.find(part) != std::string::npos;
  });
}

std::string failure_of(Driven& d) {
  for (const auto& e : d.events)
    if (e.kind == ClientEvent::Kind::FileFailed) return e.text;
  return {};
}

// Waits for the transfer `d` runs to end, and requires that it worked.
void require_done(Driven& d) {
  REQUIRE(d.until([&] { return d.count(ClientEvent::Kind::FileDone) > 0 ||
                               d.count(ClientEvent::Kind::FileFailed) > 0; }, 120'000));
  REQUIRE_MESSAGE(failure_of(d).empty(), failure_of(d));
}

FileJobView job(Driven& d) {
  auto jobs = d.engine.file_jobs();
  REQUIRE(!jobs.empty());
  return jobs.back();
}

}  // namespace

TEST_CASE("files: a 200 MB file goes up once and comes down byte-exact, never over a file already there") {
  TempDir dir("whole");
  auto s = file_server(dir);
  Driven alice, bob;
  login(alice, s, "alice");
  login(bob, s, "bob");
  std::string source = dir / "big.bin";
  write_random(source, 200'000'000);
  REQUIRE(alice.engine.send_file("#lobby", source).empty());
  require_done(alice);
  REQUIRE(bob.until([&] { return lobby_file(bob) != nullptr; }));
  const core::FileShared shared = *lobby_file(bob);
  CHECK(shared.sender == "alice");
  CHECK(shared.name == "big.bin");
  CHECK(shared.size == 200'000'000);
  CHECK(shared.hash == hash_of(source));

  fs::create_directories(dir / "bob");
  std::ofstream(dir / "bob/big.bin") << "bob's own big.bin";
  REQUIRE(bob.engine.fetch_file(shared.id, dir / "bob").empty());
  require_done(bob);
  CHECK(job(bob).saved_path == dir / "bob/big (1).bin");
  CHECK(hash_of(dir / "bob/big (1).bin") == shared.hash);
  CHECK(fs::file_size(dir / "bob/big (1).bin") == 200'000'000);
  std::ifstream kept(dir / "bob/big.bin");
  std::string text((std::istreambuf_iterator<char>(kept)), {});
  CHECK(text == "bob's own big.bin");
  // No ".part" left behind.
  int parts = 0;
  for (const auto& e : fs::directory_iterator(dir / "bob"))
    if (e.path().extension() == ".part") ++parts;
  CHECK(parts == 0);
}

TEST_CASE("files: two clients fetching one file into one cache at once both get it, under its hash") {
  TempDir dir("cache");
  auto s = file_server(dir);
  Driven alice, bob, carol;
  login(alice, s, "alice");
  login(bob, s, "bob");
  login(carol, s, "carol");
  std::string source = dir / "Map.PNG";
  write_random(source, 20'000'000, 5);
  REQUIRE(alice.engine.send_file("#lobby", source).empty());
  require_done(alice);
  auto pump = [](Driven& d) { return d.until([] { return true; }); };
  REQUIRE(bob.until([&] { return pump(carol) && lobby_file(bob) && lobby_file(carol); }));
  const core::FileShared shared = *lobby_file(bob);
  std::string cache = dir / "cache";
  REQUIRE(bob.engine.fetch_file(shared.id, cache, client::Landing::ByHash).empty());
  REQUIRE(carol.engine.fetch_file(shared.id, cache, client::Landing::ByHash).empty());
  auto ended = [](Driven& d) { return d.count(ClientEvent::Kind::FileDone) > 0 ||
                                      d.count(ClientEvent::Kind::FileFailed) > 0; };
  REQUIRE(bob.until([&] { pump(carol); return ended(bob) && ended(carol); }, 120'000));
  CHECK(failure_of(bob) == "");
  CHECK(failure_of(carol) == "");
  std::string landed = (fs::path(cache) / (shared.hash + ".png")).string();
  CHECK(job(bob).saved_path == landed);
  CHECK(job(carol).saved_path == landed);
  CHECK(hash_of(landed) == shared.hash);
  int files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(cache)) ++files;
  CHECK(files == 1);  // no part file left, no second copy
}

TEST_CASE("files: a file id or hash that could name another place on disk is not fetched") {
  TempDir dir("bad-id");
  client::FileJobs jobs;
  core::FileShared f{"alice", "#lobby", 0, std::string(32, 'a'), 10, std::string(64, 'b'), "x.png"};
  auto bad_id = f, bad_hash = f;
  bad_id.id = "/../../" + std::string(25, 'a');
  bad_hash.hash = "../" + std::string(61, 'b');
  for (const auto& bad : {bad_id, bad_hash})
    for (auto landing : {client::Landing::NewName, client::Landing::ByHash})
      CHECK(jobs.fetch(bad, dir / "down", landing) ==
            "x.png: the server sent a malformed file id or hash");
  CHECK(jobs.jobs().empty());
  CHECK(jobs.fetch(f, dir / "down", client::Landing::ByHash) == "");
  CHECK(jobs.jobs().size() == 1);
}

TEST_CASE("files: a download killed mid-way resumes where it stopped") {
  TempDir dir("resume-down");
  auto s = file_server(dir);
  Driven alice;
  login(alice, s, "alice");
  std::string source = dir / "game.iso";
  write_random(source, 200'000'000, 2);
  REQUIRE(alice.engine.send_file("#lobby", source).empty());
  require_done(alice);

  std::string id;
  {
    Driven bob;
    login(bob, s, "bob");
    REQUIRE(bob.until([&] { return lobby_file(bob) != nullptr; }));
    id = lobby_file(bob)->id;
    REQUIRE(bob.engine.fetch_file(id, dir / "bob").empty());
    // Killed (the engine and its transfer gone) once some of it arrived.
    REQUIRE(bob.until([&] { return job(bob).done > 10'000'000; }, 60'000));
    REQUIRE(job(bob).done < 200'000'000);
  }
  Driven again;
  login(again, s, "bob-again");
  REQUIRE(again.until([&] { return lobby_file(again) != nullptr; }));
  REQUIRE(again.engine.fetch_file(id, dir / "bob").empty());
  require_done(again);
  CHECK(saw_text(again, ClientEvent::Kind::FileProgress, "game.iso: resuming at byte "));
  CHECK(hash_of(dir / "bob/game.iso") == hash_of(source));
}

TEST_CASE("files: an upload cut off mid-way goes on from what the server has") {
  TempDir dir("resume-up");
  auto s = file_server(dir);
  std::string source = dir / "mod.zip";
  write_random(source, 200'000'000, 3);
  {
    Driven alice;
    login(alice, s, "alice");
    REQUIRE(alice.engine.send_file("#lobby", source).empty());
    REQUIRE(alice.until([&] { return job(alice).done > 10'000'000; }, 60'000));
    REQUIRE(job(alice).done < 200'000'000);
  }
  // The server lets go of the name, then alice is back.
  REQUIRE(Driven().until([&] {
    return test::on_server_thread(s, [&] { return s.server->state().user_count(); }) == 0;
  }));
  Driven alice, bob;
  login(alice, s, "alice");
  login(bob, s, "bob");
  REQUIRE(alice.engine.send_file("#lobby", source).empty());
  require_done(alice);
  CHECK(saw_text(alice, ClientEvent::Kind::FileProgress, "mod.zip: resuming at byte "));
  REQUIRE(bob.until([&] { return lobby_file(bob) != nullptr; }));
  REQUIRE(bob.engine.fetch_file(lobby_file(bob)->id, dir / "bob").empty());
  require_done(bob);
  CHECK(hash_of(dir / "bob/mod.zip") == hash_of(source));
}

TEST_CASE("files: bytes that do not match the offered hash are refused and never shown") {
  TempDir dir("forged");
  auto s = file_server(dir);
  Driven alice, bob;
  login(alice, s, "alice");
  login(bob, s, "bob");
  std::string source = dir / "x.bin";
  write_random(source, 100'000, 4);
  // Offered with another file's hash, then sent.
  alice.engine.send_typed("FILEUPLOAD #lobby 100000 " + std::string(64, 'e') + ": x.bin");
  std::string grant_line;
  REQUIRE(alice.until([&] {
    for (const auto& e : alice.events)
      if (e.text.rfind("FILEGRANT ", 0) == 0) grant_line = e.text;
    return !grant_line.empty();
  }));
  auto grant = std::get<core::FileGrant>(std::get<core::ServerMessage>(core::parse_server(grant_line)));
  client::TransferJob put;
  put.direction = core::FileDirection::Put;
  put.host = "127.0.0.1";
  put.port = s.port();
  put.server_identity = RunningServer::identity()->public_key;
  put.token = grant.token;
  put.local_path = source;
  put.size = 100'000;
  client::FileTransfer transfer(put);
  REQUIRE(alice.until([&] { return transfer.finished(); }, 30'000));
  CHECK(transfer.error() == "the bytes did not match the hash; send the file again");
  // Bob sees alice's next message, and no file before it.
  alice.engine.send(alice.engine.model().send_text("after", 0));
  REQUIRE(bob.until([&] { return bob.saw_line("MSG alice #lobby: after"); }));
  CHECK(lobby_file(bob) == nullptr);
  int stored = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir / "server")) ++stored;
  CHECK(stored == 0);
}

TEST_CASE("files: a file stream with a forged token is refused, and one from an impostor is not trusted") {
  TempDir dir("token");
  auto s = file_server(dir);
  client::TransferJob get;
  get.host = "127.0.0.1";
  get.port = s.port();
  get.server_identity = RunningServer::identity()->public_key;
  get.token = std::string(32, '0');
  get.local_path = dir / "stolen.part";
  get.size = 10;
  get.hash = std::string(64, '0');
  {
    client::FileTransfer t(get);
    while (!t.finished()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    CHECK(t.error() == "no such grant (ask again with FILEUPLOAD or FILEGET)");
    CHECK_FALSE(t.retry_helps());
  }
  get.server_identity = core::Identity::generate().public_key;  // not the server's
  client::FileTransfer t(get);
  while (!t.finished()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(t.error() == "the file stream's server proved another identity");
}

TEST_CASE("files: a file over the server's quota is refused with the reason") {
  TempDir dir("quota");
  auto s = file_server(dir, 1'000'000);
  Driven alice;
  login(alice, s, "alice");
  std::string source = dir / "too big.bin";
  write_random(source, 2'000'000, 5);
  REQUIRE(alice.engine.send_file("#lobby", source).empty());
  REQUIRE(alice.until([&] { return alice.count(ClientEvent::Kind::FileFailed) > 0; }));
  CHECK(failure_of(alice) ==
        "too big.bin: too big.bin is 2.0 MB; the server has room for 1.0 MB more (of 1.0 MB, "
        "--files-quota)");
  CHECK(job(alice).state == FileJobView::State::Failed);
  CHECK(alice.engine.send_file("#lobby", dir / "missing.bin") == "no file " + (dir / "missing.bin"));
}
