// The server's file streams (core/file_stream.hpp), on a thread of their
// own, so that disk writes and bulk transfers never hold up the text and
// voice of the network thread. The chat server hands over each connection
// whose first byte says "file stream"; the core's grants (FILEGRANT) say
// which tokens may put or get which file. Files live in `directory`, named
// by id ("<id>.part" while they arrive); memory per stream is a few buffers
// whatever the file's size.
#pragma once

#include <asio.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/calls.hpp"
#include "core/identity.hpp"
#include "core/protocol.hpp"

namespace voixer::net {

struct FileServerOptions {
  std::string directory;  // created; what an earlier run left there is removed
  std::shared_ptr<const core::Identity> identity;
  // Called on the file thread when an upload has all its bytes: they
  // matched the granted hash (`ok`, the file is kept) or not (removed).
  std::function<void(const std::string& id, bool ok)> on_uploaded;
  std::function<void(const std::string&)> log;  // may be empty
  std::size_t max_streams = 64;          // at once; more are refused
  int idle_timeout_ms = 30'000;          // a stream with no progress for this long ends
};

class FileServer {
 public:
  // Throws std::runtime_error when the directory cannot be made.
  explicit FileServer(FileServerOptions options);
  ~FileServer();  // ends every stream and joins the thread
  FileServer(const FileServer&) = delete;
  FileServer& operator=(const FileServer&) = delete;

  // From any thread.
  void grant(core::ConnId owner, const core::FileGrant& grant);
  void revoke(core::ConnId owner);   // the text session is gone: its tokens go
  void drop(const std::string& id);  // remove the bytes of an abandoned upload
  // Takes over a TCP connection: `first_bytes` were read from it already
  // (starting with core::kFileStreamFirstByte).
  void adopt(asio::ip::tcp::socket::native_handle_type socket, std::string first_bytes);

 private:
  class Impl;
  std::shared_ptr<Impl> m_impl;
};

}  // namespace voixer::net
