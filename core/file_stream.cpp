#include "core/file_stream.hpp"

#include <charconv>

#include "core/file_names.hpp"

namespace voixer::core {

namespace {

bool parse_u64(std::string_view v, std::uint64_t& out) {
  if (v.empty()) return false;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  return ec == std::errc() && ptr == v.data() + v.size();
}

std::string_view next_word(std::string_view& rest) {
  auto space = rest.find(' ');
  std::string_view word = rest.substr(0, space);
  rest.remove_prefix(space == std::string_view::npos ? rest.size() : space + 1);
  return word;
}

}  // namespace

std::string format_request(const FileRequest& r) {
  if (r.direction == FileDirection::Put) return "PUT " + r.token + "\n";
  return "GET " + r.token + " " + std::to_string(r.offset) + "\n";
}

std::optional<FileRequest> parse_request(std::string_view line, std::string& error) {
  std::string_view rest = line;
  std::string_view verb = next_word(rest);
  std::string_view token = next_word(rest);
  FileRequest r;
  if (!is_hex_id(token, 32)) {
    error = "expected 'PUT <token>' or 'GET <token> <offset>', with a token from FILEGRANT";
    return std::nullopt;
  }
  r.token = std::string(token);
  if (verb == "PUT" && rest.empty()) {
    r.direction = FileDirection::Put;
    return r;
  }
  if (verb == "GET" && parse_u64(rest, r.offset)) return r;
  error = "expected 'PUT <token>' or 'GET <token> <offset>'";
  return std::nullopt;
}

std::string format_answer(const FileAnswer& a) {
  switch (a.kind) {
    case FileAnswer::Kind::Ok: return "OK " + std::to_string(a.number) + "\n";
    case FileAnswer::Kind::Done: return "DONE\n";
    case FileAnswer::Kind::Failed: break;
  }
  return "FAILED " + a.why + "\n";
}

std::optional<FileAnswer> parse_answer(std::string_view line) {
  std::string_view rest = line;
  std::string_view verb = next_word(rest);
  FileAnswer a;
  if (verb == "OK" && parse_u64(rest, a.number)) {
    a.kind = FileAnswer::Kind::Ok;
    return a;
  }
  if (verb == "DONE" && rest.empty()) {
    a.kind = FileAnswer::Kind::Done;
    return a;
  }
  if (verb == "FAILED") {
    a.why = std::string(rest);
    return a;
  }
  return std::nullopt;
}

FileHasher::FileHasher() { crypto_generichash_init(&m_state, nullptr, 0, 32); }

void FileHasher::update(std::span<const std::uint8_t> bytes) {
  crypto_generichash_update(&m_state, bytes.data(), bytes.size());
}

void FileHasher::update(std::string_view bytes) {
  update({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
}

std::string FileHasher::finish_hex() {
  std::uint8_t digest[32];
  crypto_generichash_final(&m_state, digest, sizeof digest);
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

}  // namespace voixer::core
