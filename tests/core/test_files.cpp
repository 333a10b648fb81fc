// Shared files in core: the protocol lines, the names a client may save
// under, the server's ledger (quota, resume, who may fetch) and the text
// side of an upload (grant, announcement, history).
#include <doctest/doctest.h>

#include <set>

#include "core/file_book.hpp"
#include "core/file_names.hpp"
#include "core/file_stream.hpp"
#include "core/protocol.hpp"
#include "server_fixture.hpp"

using namespace voixer::core;
using voixer::test::Fixture;

namespace {

const std::string kHash(64, 'a');

std::string upload_line(const std::string& target, std::uint64_t size, const std::string& name,
                        const std::string& hash = kHash) {
  return format(ClientMessage{FileUpload{target, size, hash, name}});
}

// A sealed, logged-in user.
void sealed_login(Fixture& f, ConnId id, const std::string& nick) {
  f.open(id);
  f.server->on_sealed(id);
  f.line(id, "CONNECT: \"" + nick + "\" \"" + nick + "\" 1.0.0");
  f.take(id);
}

void with_files(Fixture& f, std::uint64_t quota) {
  auto config = Fixture::make_config();
  config.files_quota = quota;
  f.reset(config);
}

template <class T>
T parsed_server(const std::string& line) {
  auto p = parse_server(line);
  REQUIRE_MESSAGE(std::holds_alternative<ServerMessage>(p), line);
  auto* m = std::get_if<T>(&std::get<ServerMessage>(p));
  REQUIRE_MESSAGE(m, line);
  return *m;
}

}  // namespace

TEST_CASE("files: the file lines parse and format back the same") {
  for (std::string line :
       {"FILEUPLOAD #lobby 200000000 " + kHash + ": big file.bin", "FILEUPLOAD bob 5 " + kHash + ": x",
        std::string("FILEGET: 0123456789abcdef0123456789abcdef")}) {
    auto p = parse_client(line);
    REQUIRE_MESSAGE(std::holds_alternative<ClientMessage>(p), line);
    CHECK(format(std::get<ClientMessage>(p)) == line);
  }
  for (std::string line :
       {"FILEGRANT 0123456789abcdef0123456789abcdef 00112233445566778899aabbccddeeff PUT 12 " + kHash + ": a b",
        "FILEGRANT 0123456789abcdef0123456789abcdef 00112233445566778899aabbccddeeff GET 12 " + kHash + ": a",
        "FILE alice #lobby 1764060000000 0123456789abcdef0123456789abcdef 12 " + kHash + ": photo.png"}) {
    auto p = parse_server(line);
    REQUIRE_MESSAGE(std::holds_alternative<ServerMessage>(p), line);
    CHECK(format(std::get<ServerMessage>(p)) == line);
  }
  auto f = parsed_server<FileShared>("FILE alice bob 5 0123456789abcdef0123456789abcdef 12 " +
                                     kHash + ": notes: part 2.txt");
  CHECK(f.name == "notes: part 2.txt");
  CHECK(f.size == 12);
  CHECK(f.target == "bob");
}

TEST_CASE("files: broken file lines are refused with the expected form") {
  for (std::string line : {"FILEUPLOAD #lobby big " + kHash + ": x", std::string("FILEUPLOAD #lobby 5: x"),
                           "FILEUPLOAD #lobby 5 " + kHash + ":", std::string("FILEGET"),
                           std::string("FILEGET:")}) {
    auto p = parse_client(line);
    REQUIRE_MESSAGE(std::holds_alternative<ParseError>(p), line);
    CHECK(std::get<ParseError>(p).code == "MALFORMED");
    CHECK(std::get<ParseError>(p).message.find("expected") != std::string::npos);
  }
  auto p = parse_server("FILEGRANT a b SEND 5 h: x");
  REQUIRE(std::holds_alternative<ParseError>(p));
}

TEST_CASE("files: a shared name is one plain name: no path, no control characters") {
  CHECK(check_file_name("report 2024.pdf").empty());
  CHECK(check_file_name("фото.jpg").empty());
  CHECK_FALSE(check_file_name("").empty());
  CHECK_FALSE(check_file_name("../../etc/passwd").empty());
  CHECK_FALSE(check_file_name("a/b").empty());
  CHECK_FALSE(check_file_name("a\\b").empty());
  CHECK_FALSE(check_file_name("..").empty());
  CHECK_FALSE(check_file_name(".").empty());
  CHECK_FALSE(check_file_name("a\nb").empty());
  CHECK_FALSE(check_file_name(std::string(201, 'x')).empty());
  CHECK_FALSE(check_file_name("\xff.bin").empty());
}

TEST_CASE("files: a download is saved under a plain name inside the directory, never over a file") {
  CHECK(download_name("../../etc/passwd") == "passwd");
  CHECK(download_name("..\\..\\windows\\system.ini") == "system.ini");
  CHECK(download_name(".bashrc") == "bashrc");
  CHECK(download_name("..") == "file");
  CHECK(download_name("") == "file");
  CHECK(download_name("a\x01\x1b[2Jb.txt") == "a[2Jb.txt");
  CHECK(download_name(std::string(300, 'x')).size() == kMaxFileNameBytes);
  std::set<std::string> there = {"map.zip", "map (1).zip", "notes"};
  auto exists = [&](const std::string& n) { return there.count(n) > 0; };
  CHECK(unique_name("map.zip", exists) == "map (2).zip");
  CHECK(unique_name("notes", exists) == "notes (1)");
  CHECK(unique_name("new.tar.gz", exists) == "new.tar.gz");
}

TEST_CASE("files: sizes read and shown for people") {
  CHECK(parse_size("4GB") == 4'000'000'000ULL);
  CHECK(parse_size("500 MB") == 500'000'000ULL);
  CHECK(parse_size("1.5g") == 1'500'000'000ULL);
  CHECK(parse_size("2GiB") == 2147483648ULL);
  CHECK(parse_size("0") == 0ULL);
  CHECK_FALSE(parse_size("lots"));
  CHECK_FALSE(parse_size("5 parsecs"));
  CHECK_FALSE(parse_size("1.2.3MB"));
  CHECK(human_size(17) == "17 bytes");
  CHECK(human_size(1'500'000'000) == "1.5 GB");
  CHECK(human_size(312'000) == "312 KB");
}

TEST_CASE("files: the file stream's requests and answers, and garbage refused") {
  std::string token(32, 'b');
  std::string error;
  auto put = parse_request("PUT " + token, error);
  REQUIRE(put);
  CHECK(put->direction == FileDirection::Put);
  auto get = parse_request("GET " + token + " 1234", error);
  REQUIRE(get);
  CHECK(get->offset == 1234);
  CHECK(format_request(*get) == "GET " + token + " 1234\n");
  CHECK_FALSE(parse_request("GET " + token + " -1", error));
  CHECK_FALSE(parse_request("GET ../../etc/passwd 0", error));
  CHECK(error.find("token") != std::string::npos);
  CHECK_FALSE(parse_request("DELETE " + token, error));
  auto ok = parse_answer("OK 99");
  REQUIRE(ok);
  CHECK(ok->number == 99);
  auto failed = parse_answer("FAILED no such grant");
  REQUIRE(failed);
  CHECK(failed->why == "no such grant");
  CHECK_FALSE(parse_answer("OK lots"));
}

TEST_CASE("files: BLAKE2b-256 in pieces equals the whole") {
  FileHasher whole, pieces;
  whole.update(std::string_view("hello, files"));
  pieces.update(std::string_view("hello, "));
  pieces.update(std::string_view("files"));
  std::string h = whole.finish_hex();
  CHECK(h.size() == 64);
  CHECK(h == pieces.finish_hex());
  FileHasher empty;
  // The published BLAKE2b-256 of nothing.
  CHECK(empty.finish_hex() == "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
}

TEST_CASE("files: the ledger reserves the quota, resumes the same offer, frees what fails or is abandoned") {
  FileBook book(1000);
  FileRecord a;
  a.name = "a.bin";
  a.hash = kHash;
  a.size = 600;
  a.uploader_folded = "alice";
  a.channel_folded = "#lobby";
  auto first = book.offer(a, 0, "id1");
  REQUIRE(std::holds_alternative<const FileRecord*>(first));
  CHECK(book.used() == 600);
  // The same bytes from the same user to the same place: the same upload.
  auto again = book.offer(a, 10, "id2");
  REQUIRE(std::holds_alternative<const FileRecord*>(again));
  CHECK(std::get<const FileRecord*>(again)->id == "id1");
  CHECK(book.used() == 600);
  FileRecord b = a;
  b.hash = std::string(64, 'b');
  auto refused = book.offer(b, 10, "id3");
  REQUIRE(std::holds_alternative<std::string>(refused));
  CHECK(std::get<std::string>(refused).find("--files-quota") != std::string::npos);
  book.discard("id1");
  CHECK(book.used() == 0);
  REQUIRE(std::holds_alternative<const FileRecord*>(book.offer(b, 20, "id4")));
  CHECK(book.expire(20 + FileBook::kResumeWindow - 1).empty());
  CHECK(book.expire(20 + FileBook::kResumeWindow) == std::vector<std::string>{"id4"});
  CHECK(book.used() == 0);
  FileBook off(0);
  CHECK(std::holds_alternative<std::string>(off.offer(a, 0, "x")));
}

TEST_CASE("files: an upload is granted, then announced to the channel and kept in its history") {
  Fixture f;
  with_files(f, 10'000);
  sealed_login(f, 1, "alice");
  sealed_login(f, 2, "bob");
  f.clear_all();
  f.line(1, upload_line("#lobby", 1234, "map.zip"));
  auto grant = parsed_server<FileGrant>(f.only(1));
  CHECK(grant.direction == FileDirection::Put);
  CHECK(grant.size == 1234);
  CHECK(grant.name == "map.zip");
  CHECK(is_hex_id(grant.id, kFileIdHexDigits));
  CHECK(is_hex_id(grant.token, 32));
  REQUIRE(f.out.grants.size() == 1);
  CHECK(f.out.grants[0].first == 1);
  CHECK(f.out.grants[0].second == grant);
  CHECK(f.take(2).empty());  // nothing shown before the bytes are there
  // Nobody may fetch it yet.
  f.line(2, "FILEGET: " + grant.id);
  CHECK(f.only(2).rfind("ERROR NOSUCHFILE", 0) == 0);

  f.server->on_file_uploaded(grant.id, true, f.now);
  auto shown = parsed_server<FileShared>(f.only(2));
  CHECK(shown.sender == "alice");
  CHECK(shown.target == "#lobby");
  CHECK(shown.id == grant.id);
  CHECK(f.only(1) == format(ServerMessage{shown}));  // the uploader sees it too

  f.line(2, "FILEGET: " + grant.id);
  auto get = parsed_server<FileGrant>(f.only(2));
  CHECK(get.direction == FileDirection::Get);
  CHECK(get.token != grant.token);

  // Someone joining later finds it in the history.
  sealed_login(f, 3, "carol");
  f.clear_all();
  f.line(3, "LEAVE: #lobby");
  f.line(3, "JOIN: #lobby");
  auto lines = f.take(3);
  CHECK(std::count(lines.begin(), lines.end(), format(ServerMessage{shown})) == 1);
  // Once gone from the channel, carol cannot fetch it.
  f.line(3, "LEAVE: #lobby");
  f.take(3);
  f.line(3, "FILEGET: " + grant.id);
  CHECK(f.only(3).rfind("ERROR NOSUCHFILE", 0) == 0);
  // A connection that ends takes its tokens along.
  f.server->on_closed(2, f.now);
  CHECK(std::count(f.out.revoked.begin(), f.out.revoked.end(), ConnId{2}) == 1);
}

TEST_CASE("files: a private file is for its two people only") {
  Fixture f;
  with_files(f, 10'000);
  sealed_login(f, 1, "alice");
  sealed_login(f, 2, "bob");
  sealed_login(f, 3, "carol");
  f.clear_all();
  f.line(1, upload_line("Bob", 10, "secret.txt"));
  auto grant = parsed_server<FileGrant>(f.only(1));
  f.server->on_file_uploaded(grant.id, true, f.now);
  auto shown = parsed_server<FileShared>(f.only(2));
  CHECK(shown.target == "bob");
  CHECK(f.take(1).size() == 1);
  CHECK(f.take(3).empty());
  f.line(3, "FILEGET: " + grant.id);
  CHECK(f.only(3).rfind("ERROR NOSUCHFILE", 0) == 0);
  f.line(2, "FILEGET: " + grant.id);
  CHECK(parsed_server<FileGrant>(f.only(2)).direction == FileDirection::Get);
}

TEST_CASE("files: refusals say why: plain connections, bad names, strangers' channels, the quota") {
  Fixture f;
  with_files(f, 1000);
  sealed_login(f, 1, "alice");
  f.login(2, "plainpat");  // not sealed
  f.clear_all();
  f.line(2, upload_line("#lobby", 10, "a.txt"));
  CHECK(f.only(2).find("ERROR FILEREFUSED: Files need a sealed connection") == 0);
  f.line(1, upload_line("#lobby", 10, "a.txt", "NOTAHASH"));
  CHECK(f.only(1).find("BLAKE2b") != std::string::npos);
  f.line(1, "FILEUPLOAD #lobby 10 " + kHash + ": ../../etc/passwd");
  CHECK(f.only(1).find("ERROR FILEREFUSED: A file name may not hold a slash") == 0);
  f.line(1, upload_line("#elsewhere", 10, "a.txt"));
  CHECK(f.only(1).find("ERROR FILEREFUSED: You are not a member of #elsewhere") == 0);
  f.line(1, upload_line("nobody", 10, "a.txt"));
  CHECK(f.only(1).find("ERROR FILEREFUSED: No such user") == 0);
  f.line(1, upload_line("#lobby", 5000, "huge.iso"));
  std::string quota_line = f.only(1);
  INFO(quota_line);
  CHECK(quota_line.find("ERROR FILEREFUSED: huge.iso is 5.0 KB; the server has room for 1.0 KB more (of 1.0 KB, --files-quota)") == 0);
  f.line(1, "FILEGET: ../../../etc/shadow");
  CHECK(f.only(1).rfind("ERROR NOSUCHFILE", 0) == 0);
  CHECK(f.out.grants.empty());
}

TEST_CASE("files: an upload nobody goes on with is dropped after the resume window, its bytes with it") {
  Fixture f;
  with_files(f, 1000);
  sealed_login(f, 1, "alice");
  f.clear_all();
  f.line(1, upload_line("#lobby", 800, "a.bin"));
  auto grant = parsed_server<FileGrant>(f.only(1));
  f.server->on_closed(1, f.now);
  f.server->tick(f.now + FileBook::kResumeWindow + 1);
  CHECK(f.out.dropped == std::vector<std::string>{grant.id});
  // Its room is free again.
  sealed_login(f, 2, "alice");
  f.clear_all();
  f.line(2, upload_line("#lobby", 900, "b.bin"));
  CHECK(parsed_server<FileGrant>(f.only(2)).size == 900);
}
