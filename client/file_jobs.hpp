// The files a client sends and fetches: each one asked for on the text
// connection (FILEUPLOAD / FILEGET), granted by the server (FILEGRANT),
// then moved by a FileTransfer on a stream of its own. A stream that
// breaks is asked for again and resumed where it stopped (up to
// kRetries times). A download lands in a ".part" file beside its final
// name and is renamed when all of it matched the hash; the name comes from
// core::download_name and never replaces a file already there. A fetch
// into a cache (Landing::ByHash) lands under the file's hash instead, so
// any number of clients on one machine can fill the same cache at once
// and a file already there is not fetched again. Used from the owner's
// thread, like the engine that owns it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "client/file_transfer.hpp"
#include "core/protocol.hpp"

namespace voixer::client {

// Where file streams go: the server the text connection trusts.
struct FileEndpoint {
  std::string host;
  std::uint16_t port = 0;
  core::PublicKey identity{};
};

struct FileJobView {
  enum class State { Hashing, Asking, Moving, Done, Failed };
  int number = 0;  // 1, 2, ... in the order they were made
  bool upload = false;
  State state = State::Asking;
  std::string name;          // the file's name
  std::string conversation;  // where it was shared
  std::string id;            // the server's file id, once known
  std::uint64_t size = 0, done = 0;
  double bytes_per_second = 0;  // of the running transfer
  std::string saved_path;       // downloads, when done
  std::string error;            // Failed: why
};

// Something worth telling the user about a file.
struct FileNote {
  enum class Kind { Progress, Done, Failed } kind;
  std::string text;
  int job = 0;
};

// How a fetched file is named where it lands.
enum class Landing {
  NewName,  // its own name, made unique ("name (1).ext"); a dropped fetch resumes
  ByHash,   // "<hash>.<ext>", replacing a copy already there (same bytes)
};

class FileJobs {
 public:
  static constexpr int kRetries = 5;

  FileJobs();
  ~FileJobs();
  FileJobs(const FileJobs&) = delete;
  FileJobs& operator=(const FileJobs&) = delete;

  // Starts hashing `path` to share it in `conversation`. Returns "" or why
  // not (no such file, empty, a directory).
  std::string send(const std::string& conversation, const std::string& path);
  // Fetches `file` into `directory`. Returns "" or why not.
  std::string fetch(const core::FileShared& file, const std::string& directory,
                    Landing landing = Landing::NewName);
  // The name `file` has in a ByHash directory.
  static std::string name_by_hash(const core::FileShared& file);
  bool fetching(const std::string& id) const;  // a download of it runs or waits

  // What the server said about files.
  void on_grant(const core::FileGrant& grant);
  void on_shared(const core::FileShared& file);  // my upload is stored (or was already)
  void on_refused(const std::string& message);    // ERROR FILEREFUSED / NOSUCHFILE

  // Moves everything on: lines to send (requests) go to `lines`; what
  // happened comes back.
  std::vector<FileNote> poll(const FileEndpoint& server, std::vector<std::string>& lines);
  // The text connection dropped: waiting requests are asked again later.
  void on_disconnected();

  std::vector<FileJobView> jobs() const;

 private:
  static std::atomic<unsigned> s_cache_fetches;  // names their part files in this process
  struct Job;
  Job* find_asking(const std::function<bool(const Job&)>& match);
  void finish(Job& j, std::vector<FileNote>& notes);

  std::vector<std::unique_ptr<Job>> m_jobs;
  std::vector<FileNote> m_pending;  // told at the next poll
  int m_next_number = 1;
};

// "" and the hash (BLAKE2b-256 hex) of a whole file, or why it could not be read.
std::string hash_file(const std::string& path, std::string& hash_hex);

}  // namespace voixer::client
