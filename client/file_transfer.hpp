// One file's bytes up to or down from the server, over a file stream of its
// own (core/file_stream.hpp), on a thread of its own: blocking sockets,
// fixed buffers (a 1 GB file in constant memory), progress in atomics for
// the face to draw. The server must prove the identity the text connection
// trusts. A download appends to its ".part" file, so a new transfer after a
// drop (or a restart) goes on where the last one stopped; an upload is told
// by the server how much it has.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "core/identity.hpp"
#include "core/protocol.hpp"

namespace voixer::client {

struct TransferJob {
  core::FileDirection direction = core::FileDirection::Get;
  std::string host;
  std::uint16_t port = 0;
  core::PublicKey server_identity{};
  std::string token;       // from FILEGRANT
  std::string local_path;  // PUT: the file to send; GET: the ".part" file to fill
  std::uint64_t size = 0;
  std::string hash;        // GET: what the bytes must hash to
};

class FileTransfer {
 public:
  explicit FileTransfer(TransferJob job);  // starts at once
  ~FileTransfer();                         // cancels and waits
  FileTransfer(const FileTransfer&) = delete;
  FileTransfer& operator=(const FileTransfer&) = delete;

  void cancel();
  bool finished() const { return m_finished.load(std::memory_order_acquire); }
  // After finished(): "" when every byte arrived (and, down, matched the
  // hash), else why not. `retry_helps` when the stream broke (worth a new
  // grant and a resume) rather than being refused.
  const std::string& error() const { return m_error; }
  bool retry_helps() const { return m_retry_helps; }
  std::uint64_t bytes_done() const { return m_done.load(std::memory_order_relaxed); }
  std::uint64_t resumed_at() const { return m_resumed_at.load(std::memory_order_relaxed); }

 private:
  void run();
  std::string transfer(int fd);

  TransferJob m_job;
  std::atomic<bool> m_cancel{false}, m_finished{false};
  // The stream's socket while it is open. cancel() shuts it down under the
  // lock and run() lets go of it under the lock before closing it, so a
  // cancel can never shut down a descriptor number already reused.
  std::mutex m_socket_mutex;
  int m_socket = -1;
  std::atomic<std::uint64_t> m_done{0}, m_resumed_at{0};
  std::string m_error;
  bool m_retry_helps = false;
  std::thread m_thread;
};

}  // namespace voixer::client
