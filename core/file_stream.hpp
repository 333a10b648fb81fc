// The file stream: a TCP connection to the server's port that carries one
// file's bytes, up or down, kept apart from the text lines (a 1 GB upload
// never holds a chat line up). No I/O here: the words both ends speak.
//
//   client -> server   0xD7, then a sealed handshake (core/sealed_stream.hpp)
//   then, sealed:
//   client -> server   "PUT <token>\n"            (token from FILEGRANT ... PUT)
//   server -> client   "OK <bytes the server has>\n", then the client sends
//                      the rest, and the server answers "DONE\n" once the
//                      bytes match the hash, or "FAILED <why>\n"
//   client -> server   "GET <token> <offset>\n"   (token from FILEGRANT ... GET)
//   server -> client   "OK <size>\n", then the bytes from <offset> on
//   any refusal        "FAILED <why>\n", and the stream closes
//
// A dropped stream is resumed by a new one: PUT is told how much arrived,
// GET says where to start. docs/protocol.md, "Files".
#pragma once

#include <sodium.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/protocol.hpp"

namespace voixer::core {

inline constexpr std::uint8_t kFileStreamFirstByte = 0xD7;
// The longest line either end sends on a file stream.
inline constexpr std::size_t kMaxFileStreamLine = 512;

struct FileRequest {
  FileDirection direction = FileDirection::Get;
  std::string token;
  std::uint64_t offset = 0;  // GET: where to start
};
std::string format_request(const FileRequest& request);  // with "\n"
// A request line (without "\n"), or nullopt with `error` saying why.
std::optional<FileRequest> parse_request(std::string_view line, std::string& error);

// The server's answers.
struct FileAnswer {
  enum class Kind { Ok, Done, Failed } kind = Kind::Failed;
  std::uint64_t number = 0;  // Ok: bytes the server has (PUT) or the size (GET)
  std::string why;           // Failed
};
std::string format_answer(const FileAnswer& answer);  // with "\n"
std::optional<FileAnswer> parse_answer(std::string_view line);

// BLAKE2b-256 over bytes fed in pieces (libsodium's crypto_generichash).
class FileHasher {
 public:
  FileHasher();
  void update(std::span<const std::uint8_t> bytes);
  void update(std::string_view bytes);
  std::string finish_hex();  // 64 lower-case hex digits

 private:
  crypto_generichash_state m_state{};
};

}  // namespace voixer::core
