// The server's lasting history: channel messages, topics and private
// messages in an SQLite database (WAL) in the server's data directory.
//
// One thread of its own owns the database. The network thread hands it
// records and questions and never waits for the disk: each record gets a
// number, and `on_stored` is called (on the store's thread) with the
// highest number that is committed. Records are committed in the order they
// were kept, in batches (one transaction for all that queued up meanwhile),
// and questions are answered after every record kept before them, so an
// answer never misses a line that was already delivered.
//
// A committed transaction is in the operating system's hands (WAL,
// synchronous=NORMAL): it survives the server being killed, not the machine
// losing power. Two exceptions, so that the chat never stops for the disk:
// a write that fails (disk full) is handed on and lost, and while another
// program holds the database, records are handed on once a try has waited
// the busy timeout and are kept in memory until the database is free.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/server.hpp"

namespace voixer::net {

struct StoredChannel {
  std::string name, topic, topic_setter;
  std::vector<std::string> lines;  // the newest, oldest first
  bool older = false;              // older lines than these are stored
};

// A page of a channel's history before some time: lines oldest first, and
// the time to ask before for the next page (0: nothing older).
struct HistoryPage {
  std::vector<std::string> lines;
  std::int64_t more_before = 0;
};

class HistoryStore {
 public:
  using OnStored = std::function<void(std::uint64_t)>;
  // Opens or creates the database at `path` and deletes what is older than
  // `keep_days` days (0 keeps everything). Throws std::runtime_error with a
  // one-line reason when the file cannot be used. A write waits up to
  // `busy_timeout_ms` for another program that holds the database; then
  // its records are handed on (`on_stored`) and written later.
  HistoryStore(const std::string& path, int keep_days, OnStored on_stored,
               int busy_timeout_ms = 5000);
  // Commits what is queued, then closes.
  ~HistoryStore();
  HistoryStore(const HistoryStore&) = delete;
  HistoryStore& operator=(const HistoryStore&) = delete;

  // Every channel with history or a topic, with its newest `per_channel`
  // lines: the most recently active `max_channels` of them.
  std::vector<StoredChannel> load_channels(std::size_t per_channel, std::size_t max_channels);

  // Queues a record; returns its number (1, 2, ...). With `wake` false the
  // store's thread is not woken for it: the caller keeps several and then
  // calls wake(), so that they go in one transaction.
  std::uint64_t keep(const core::Kept& record, bool wake = true);
  void wake();
  // Up to `max_bytes` and `max_lines` (0: up to 1,000) of the newest lines
  // of channel `folded` older than `before_unix_ms`; `done` runs on the
  // store's thread.
  void page(const std::string& folded, std::int64_t before_unix_ms, std::size_t max_bytes,
            int max_lines, std::function<void(HistoryPage)> done);
  // The newest lines of `place` holding every one of `words` (SQLite's
  // full-text index: whole words, any case, "pizz*" for a prefix), at most
  // `max_lines` and `max_bytes`, newest first; `done` runs on the store's
  // thread.
  void search(const std::string& place, const std::string& words, std::size_t max_lines,
              std::size_t max_bytes, std::function<void(std::vector<std::string>)> done);

  // The highest record number handed on (for tests and the benchmark).
  std::uint64_t stored() const;
  // The last failure to write or read, e.g. "history database: database
  // or disk is full"; empty when there was none.
  std::string problem() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace voixer::net
