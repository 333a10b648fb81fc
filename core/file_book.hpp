// The server's ledger of shared files, with no I/O: what was offered, what
// is stored, how much of the quota that takes, and who may fetch each file.
// The bytes go over file streams of their own (net/file_server.hpp), which
// the text session authorizes with one-use tokens (FILEGRANT); the
// transport reads and writes them in the server's data directory, in files
// named by id, and tells the core when an upload is complete.
//
// An upload reserves its size at once, so that uploads running side by side
// can never overrun the quota together. An upload that stops (its uploader
// gone) stays reserved for `kResumeWindow`, so the same user sending the
// same bytes to the same place goes on where it stopped; then it is dropped.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/protocol.hpp"

namespace voixer::core {

struct FileRecord {
  std::string id;
  std::string name, hash;
  std::uint64_t size = 0;
  std::string sender;           // as the uploader spelled their nickname
  std::string uploader_folded;
  // Where it was shared: a channel ("#games"), or a private conversation
  // between two users (both folded nicknames; `target` the recipient).
  std::string target;
  std::string channel_folded;                  // channels only
  std::string recipient_folded;                // private only
  bool stored = false;          // all bytes arrived and matched the hash
  std::int64_t stored_unix_ms = 0;
  std::int64_t last_granted_ms = 0;  // uploads: for dropping abandoned ones
};

class FileBook {
 public:
  // Pending uploads nobody has asked to go on with for this long are dropped.
  static constexpr std::int64_t kResumeWindow = 30 * 60 * 1000;

  explicit FileBook(std::uint64_t quota_bytes) : m_quota(quota_bytes) {}
  bool enabled() const { return m_quota > 0; }
  std::uint64_t quota() const { return m_quota; }
  std::uint64_t used() const { return m_used; }  // stored and reserved

  // An upload of `offer` by the user `uploader_folded`. The same user
  // offering the same bytes (size and hash) for the same conversation gets
  // the pending upload back (to resume it) or the stored file (nothing to
  // send). Otherwise a new record with `new_id`, reserved in the quota; or
  // why not.
  std::variant<const FileRecord*, std::string> offer(FileRecord offer, std::int64_t now_ms,
                                                      const std::string& new_id);
  const FileRecord* find(const std::string& id) const;
  // The transport has all bytes and they match: the file is shared now.
  const FileRecord* complete(const std::string& id, std::int64_t unix_ms);
  // The upload failed (bytes did not match): forgotten, its room freed.
  void discard(const std::string& id);
  // Pending uploads abandoned for kResumeWindow: forgotten, their room
  // freed; the ids are returned so the transport removes the bytes.
  std::vector<std::string> expire(std::int64_t now_ms);
  // An upload was granted again (its uploader goes on with it).
  void touch(const std::string& id, std::int64_t now_ms);

 private:
  std::uint64_t m_quota;
  std::uint64_t m_used = 0;
  std::map<std::string, FileRecord> m_files;  // by id
};

}  // namespace voixer::core
