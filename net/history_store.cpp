#include "net/history_store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <variant>

namespace voixer::net {

namespace {

const char* const kSchema = R"(
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
PRAGMA wal_autocheckpoint=0;  -- the checkpointer thread does it, off the writer's path
CREATE TABLE IF NOT EXISTS lines(
  id INTEGER PRIMARY KEY,
  place TEXT NOT NULL,         -- a folded channel name, or two folded nicknames
  private INTEGER NOT NULL,
  unix_ms INTEGER NOT NULL,
  line TEXT NOT NULL,          -- the protocol line, as replayed
  text TEXT NOT NULL DEFAULT '' -- the words alone, for search
);
CREATE VIRTUAL TABLE IF NOT EXISTS lines_text USING fts5(text, content='lines', content_rowid='id');
-- Lines up to `upto` are in the search index. The index is brought up to
-- date in bulk (HistoryStore::Impl::index_new_lines), not per line. A file from
-- before that had every line indexed by a trigger.
CREATE TABLE IF NOT EXISTS search_index(upto INTEGER NOT NULL);
INSERT INTO search_index SELECT coalesce(max(id), 0) FROM lines
  WHERE NOT EXISTS (SELECT 1 FROM search_index);
DROP TRIGGER IF EXISTS lines_indexed;
DROP TRIGGER IF EXISTS lines_unindexed;
-- A forgotten line leaves the index only if it was in it: removing what
-- an external-content index never had corrupts it.
CREATE TRIGGER IF NOT EXISTS lines_forgotten AFTER DELETE ON lines
  WHEN old.id <= (SELECT upto FROM search_index) BEGIN
  INSERT INTO lines_text(lines_text, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE INDEX IF NOT EXISTS lines_by_place ON lines(place, unix_ms);
-- Retention walks the lines in id order (written order), so no index on
-- time: one b-tree less to write per line.
DROP INDEX IF EXISTS lines_by_time;
CREATE TABLE IF NOT EXISTS channels(
  folded TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  topic TEXT NOT NULL DEFAULT '',
  setter TEXT NOT NULL DEFAULT '',
  last_ms INTEGER NOT NULL DEFAULT 0
);
)";

constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;
constexpr auto kRetentionEvery = std::chrono::minutes(10);
constexpr int kPageRows = 1000;  // a page is at most this many lines
// The search index takes new lines in bulk: each indexing transaction
// writes a new full-text segment, which per line cost about a fifth of the
// server's CPU at 2,000 messages/s. A search first indexes what is left.
constexpr int kIndexEvery = 256;  // lines
// How often the checkpointer copies the log into the database file. Its
// fsync takes milliseconds; on the writer's thread it held every client's
// output that long (p99 of the chat bench 11-12 ms against 4 without).
constexpr auto kCheckpointEvery = std::chrono::seconds(2);
// While another program holds the database (a backup, sqlite3 by hand),
// records wait in memory and the write is tried again this often, after
// each try has waited the busy timeout; beyond this many, the oldest go.
constexpr auto kRetryEvery = std::chrono::seconds(1);
constexpr std::size_t kMaxRetained = 100'000;

std::int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A prepared statement, finalized with its owner.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &m_stmt, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("history database: ") + sqlite3_errmsg(db));
  }
  ~Statement() { sqlite3_finalize(m_stmt); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, const std::string& s) {
    sqlite3_bind_text(m_stmt, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(m_stmt, i, v);
    return *this;
  }
  bool step() {  // true while there is a row
    int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE)
      throw std::runtime_error(std::string("history database: ") +
                               sqlite3_errmsg(sqlite3_db_handle(m_stmt)));
    return false;
  }
  void run() {
    step();
    reset();
  }
  void reset() {
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
  }
  std::string text(int col) const {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, col));
    return p ? std::string(p, sqlite3_column_bytes(m_stmt, col)) : std::string();
  }
  std::int64_t integer(int col) const { return sqlite3_column_int64(m_stmt, col); }

 private:
  sqlite3_stmt* m_stmt = nullptr;
};

void exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string why = error ? error : "unknown error";
    sqlite3_free(error);
    throw std::runtime_error("history database: " + why);
  }
}

// What a user typed as an FTS5 query that means "all these words": each
// word quoted (so AND, NEAR, quotes and brackets are just text), a
// trailing * kept as a prefix search. Empty when there is no word.
std::string fts_query(const std::string& words) {
  std::string query;
  std::size_t at = 0, count = 0;
  while (count < 16) {
    at = words.find_first_not_of(" \t", at);
    if (at == std::string::npos) break;
    std::size_t end = words.find_first_of(" \t", at);
    std::string word = words.substr(at, end == std::string::npos ? std::string::npos : end - at);
    at = end;
    bool prefix = word.size() > 1 && word.back() == '*';
    if (prefix) word.pop_back();
    std::string quoted = "\"";
    for (char ch : word) {
      quoted += ch;
      if (ch == '"') quoted += '"';
    }
    quoted += prefix ? "\"*" : "\"";
    if (!query.empty()) query += ' ';
    query += quoted;
    ++count;
  }
  return query;
}

struct Record {
  std::uint64_t number;
  core::Kept kept;
};
struct PageQuestion {
  std::string folded;
  std::int64_t before;
  std::size_t max_bytes;
  int max_lines;
  std::function<void(HistoryPage)> done;
};
struct SearchQuestion {
  std::string place, words;
  std::size_t max_lines, max_bytes;
  std::function<void(std::vector<std::string>)> done;
};
using Job = std::variant<Record, PageQuestion, SearchQuestion>;

}  // namespace

struct HistoryStore::Impl {
  sqlite3* db = nullptr;
  int keep_days;
  OnStored on_stored;
  std::unique_ptr<Statement> insert_line, touch_channel, set_topic, select_page, select_found;
  std::unique_ptr<Statement> index_lines, mark_indexed;
  int unindexed = 0;  // lines written since the index was brought up to date
  // Records a locked database did not take yet: already handed on (what
  // waited for them went out), written at the next try.
  std::deque<Record> retained;
  std::unordered_map<std::string, std::int64_t> touched;  // channel -> last_ms written
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<Job> jobs;
  std::uint64_t next_number = 1;
  bool stopping = false;
  std::string problem;  // the last failure, under the mutex
  std::atomic<std::uint64_t> stored{0};
  std::thread thread;
  // The checkpointer: its own connection, so the writer never waits on it.
  sqlite3* checkpoint_db = nullptr;
  std::thread checkpointer;
  std::condition_variable checkpoint_wake;
  std::chrono::steady_clock::time_point retention_at{};

  Impl(const std::string& path, int days, OnStored cb, int busy_timeout_ms)
      : keep_days(days), on_stored(std::move(cb)) {
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
        SQLITE_OK) {
      std::string why = db ? sqlite3_errmsg(db) : "out of memory";
      sqlite3_close(db);
      throw std::runtime_error("cannot open the history database " + path + ": " + why);
    }
    try {
      sqlite3_busy_timeout(db, busy_timeout_ms);  // another process using it (sqlite3 by hand)
      exec(db, kSchema);
      insert_line = std::make_unique<Statement>(
          db, "INSERT INTO lines(place, private, unix_ms, line, text) VALUES(?, ?, ?, ?, ?)");
      touch_channel = std::make_unique<Statement>(
          db,
          "INSERT INTO channels(folded, name, last_ms) VALUES(?, ?, ?) "
          "ON CONFLICT(folded) DO UPDATE SET name = excluded.name, last_ms = excluded.last_ms");
      set_topic = std::make_unique<Statement>(
          db,
          "INSERT INTO channels(folded, name, topic, setter, last_ms) VALUES(?, ?, ?, ?, ?) "
          "ON CONFLICT(folded) DO UPDATE SET name = excluded.name, topic = excluded.topic, "
          "setter = excluded.setter");
      select_page = std::make_unique<Statement>(
          db,
          "SELECT line, unix_ms FROM lines WHERE place = ? AND unix_ms < ? "
          "ORDER BY unix_ms DESC LIMIT ?");
      select_found = std::make_unique<Statement>(
          db,
          "SELECT l.line FROM lines_text JOIN lines l ON l.id = lines_text.rowid "
          "WHERE lines_text MATCH ? AND l.place = ? ORDER BY l.unix_ms DESC LIMIT ?");
      index_lines = std::make_unique<Statement>(
          db,
          "INSERT INTO lines_text(rowid, text) "
          "SELECT id, text FROM lines WHERE id > (SELECT upto FROM search_index)");
      mark_indexed = std::make_unique<Statement>(
          db, "UPDATE search_index SET upto = coalesce((SELECT max(id) FROM lines), 0)");
      forget_old();
      unindexed = 1;  // lines a killed server wrote but did not index
      index_new_lines();
    } catch (...) {
      close();
      throw;
    }
  }

  void start_checkpointer(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &checkpoint_db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      sqlite3_close(checkpoint_db);
      checkpoint_db = nullptr;  // the log then grows until the next start
      return;
    }
    sqlite3_busy_timeout(checkpoint_db, 1000);
    checkpointer = std::thread([this] {
      std::unique_lock lock(mutex);
      while (!checkpoint_wake.wait_for(lock, kCheckpointEvery, [&] { return stopping; })) {
        lock.unlock();
        sqlite3_wal_checkpoint_v2(checkpoint_db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                  nullptr);
        lock.lock();
      }
    });
  }

  void close() {
    if (checkpointer.joinable()) checkpointer.join();
    sqlite3_close(checkpoint_db);
    checkpoint_db = nullptr;
    if (db) {
      try {
        index_new_lines();
      } catch (const std::exception&) {
        sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);  // done at the next opening
      }
    }
    // Everything into the database file, and the log emptied.
    if (db) sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
    insert_line.reset();
    touch_channel.reset();
    set_topic.reset();
    select_page.reset();
    select_found.reset();
    index_lines.reset();
    mark_indexed.reset();
    sqlite3_close(db);
    db = nullptr;
  }

  // Retention: lines older than keep_days go (topics stay).
  void forget_old() {
    retention_at = std::chrono::steady_clock::now();
    if (keep_days <= 0) return;
    // Lines are written in time order: everything before the first line
    // that is young enough goes. Finding it reads only the lines that go.
    Statement first_kept(db, "SELECT id FROM lines WHERE unix_ms >= ? ORDER BY id LIMIT 1");
    first_kept.bind(1, unix_now_ms() - keep_days * kDayMs);
    std::int64_t keep_from = first_kept.step() ? first_kept.integer(0) : INT64_MAX;
    Statement forget(db, "DELETE FROM lines WHERE id < ?");
    forget.bind(1, keep_from).run();
    // Ids can start again from 1 once no line is left.
    exec(db, "UPDATE search_index SET upto = min(upto, coalesce((SELECT max(id) FROM lines), 0))");
  }

  // A channel's last_ms orders the channels brought back at start; a
  // second is precision enough, and a write per line was a page per line.
  bool touch_due(const core::Kept& k) {
    auto [at, fresh] = touched.try_emplace(k.place, k.unix_ms);
    if (!fresh && k.unix_ms - at->second < 1000) return false;
    at->second = k.unix_ms;
    return true;
  }

  // Brings the search index up to date, in a transaction of its own.
  void index_new_lines() {
    if (unindexed == 0) return;
    exec(db, "BEGIN");
    index_lines->run();
    mark_indexed->run();
    exec(db, "COMMIT");
    unindexed = 0;
  }

  void write(const core::Kept& k) {
    using Kind = core::Kept::Kind;
    switch (k.kind) {
      case Kind::ChannelLine:
      case Kind::Private:
        insert_line->bind(1, k.place)
            .bind(2, std::int64_t{k.kind == Kind::Private})
            .bind(3, k.unix_ms)
            .bind(4, k.line)
            .bind(5, k.text)
            .run();
        ++unindexed;
        if (k.kind == Kind::ChannelLine && touch_due(k))
          touch_channel->bind(1, k.place).bind(2, k.channel).bind(3, k.unix_ms).run();
        break;
      case Kind::Topic:
        set_topic->bind(1, k.place)
            .bind(2, k.channel)
            .bind(3, k.line)
            .bind(4, k.setter)
            .bind(5, k.unix_ms)
            .run();
        break;
    }
  }

  HistoryPage answer(const PageQuestion& q) {
    HistoryPage page;
    const int max_rows = q.max_lines > 0 ? std::min(q.max_lines, kPageRows) : kPageRows;
    select_page->bind(1, q.folded).bind(2, q.before).bind(3, std::int64_t{max_rows + 1});
    std::size_t bytes = 0;
    int rows = 0;
    std::int64_t oldest = 0;
    bool left_out = false;
    while (select_page->step()) {
      std::string line = select_page->text(0);
      if (rows == max_rows || (bytes + line.size() + 1 > q.max_bytes && rows > 0)) {
        left_out = true;
        break;
      }
      bytes += line.size() + 1;
      oldest = select_page->integer(1);
      page.lines.push_back(std::move(line));
      ++rows;
    }
    select_page->reset();
    std::reverse(page.lines.begin(), page.lines.end());
    page.more_before = left_out ? oldest : 0;
    return page;
  }

  // FOUND lines: the stored HISTORY lines under the other verb.
  std::vector<std::string> find(const SearchQuestion& q) {
    std::vector<std::string> found;
    std::string query = fts_query(q.words);
    if (query.empty()) return found;
    select_found->bind(1, query).bind(2, q.place).bind(3, static_cast<std::int64_t>(q.max_lines));
    std::size_t bytes = 0;
    while (select_found->step()) {
      std::string line = select_found->text(0);
      if (line.rfind("HISTORY ", 0) != 0) continue;
      line.replace(0, 7, "FOUND");
      if (bytes + line.size() + 1 > q.max_bytes) break;
      bytes += line.size() + 1;
      found.push_back(std::move(line));
    }
    select_found->reset();
    return found;
  }

  void run() {
    std::unique_lock lock(mutex);
    for (;;) {
      wake.wait_for(lock, retained.empty() ? kRetentionEvery : kRetryEvery,
                    [&] { return stopping || !jobs.empty(); });
      if (jobs.empty() && stopping) {
        lock.unlock();
        std::deque<Job> none;
        if (!retained.empty()) serve(none);  // a last try
        return;
      }
      std::deque<Job> batch;
      batch.swap(jobs);
      lock.unlock();
      serve(batch);
      if (std::chrono::steady_clock::now() - retention_at >= kRetentionEvery) forget_old();
      lock.lock();
    }
  }

  // One transaction for every record of the batch; questions after it.
  // A failing disk loses history, not the chat: the records count as
  // handled (what waits for them goes out) and the reason is kept. A
  // database another program holds loses neither: once a try has waited
  // the busy timeout, the records are handed on and kept in memory, later
  // ones are handed on without waiting, and all are written once it is free.
  void serve(std::deque<Job>& batch) {
    std::uint64_t last = 0;
    for (auto& job : batch)
      if (auto* r = std::get_if<Record>(&job)) last = r->number;
    const bool waiting_already = !retained.empty();
    if (last && waiting_already) handed_on(last);
    for (auto& job : batch)
      if (auto* r = std::get_if<Record>(&job)) retained.push_back(std::move(*r));
    if (!retained.empty()) write_retained();
    if (last && !waiting_already) handed_on(last);
    bool searching = std::any_of(batch.begin(), batch.end(), [](const Job& job) {
      return std::holds_alternative<SearchQuestion>(job);
    });
    if (searching || unindexed >= kIndexEvery) {
      try {
        index_new_lines();
      } catch (const std::exception& e) {
        sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
        note_problem(e.what());
      }
    }
    for (auto& job : batch) {
      if (auto* q = std::get_if<PageQuestion>(&job)) {
        q->done(asked(*select_page, [&] { return answer(*q); }));
      } else if (auto* s = std::get_if<SearchQuestion>(&job)) {
        s->done(asked(*select_found, [&] { return find(*s); }));
      }
    }
  }

  void handed_on(std::uint64_t last) {
    stored.store(last);
    on_stored(last);
  }

  void write_retained() {
    const int unindexed_before = unindexed;
    try {
      exec(db, "BEGIN");
      for (const auto& r : retained) write(r.kept);
      exec(db, "COMMIT");
      retained.clear();
    } catch (const std::exception& e) {
      const int code = sqlite3_errcode(db) & 0xff;  // before ROLLBACK replaces it
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      touched.clear();  // the channels' rows written in it are gone too
      unindexed = unindexed_before;  // and so are its lines
      if (code != SQLITE_BUSY && code != SQLITE_LOCKED) {
        retained.clear();
        note_problem(e.what());
        return;
      }
      std::string why = std::string(e.what()) + " (another program holds it; lines waiting: " +
                        std::to_string(retained.size());
      if (retained.size() > kMaxRetained) {
        why += ", " + std::to_string(retained.size() - kMaxRetained) + " oldest lost";
        retained.erase(retained.begin(),
                       retained.begin() + static_cast<std::ptrdiff_t>(retained.size() - kMaxRetained));
      }
      note_problem(why + ")");
    }
  }

  // A question's answer, or an empty one when the database fails (the
  // statement is reset for the next question and the reason kept).
  template <class Ask>
  auto asked(Statement& statement, Ask ask) -> decltype(ask()) {
    try {
      return ask();
    } catch (const std::exception& e) {
      statement.reset();
      note_problem(e.what());
      return {};
    }
  }

  void push(Job job) {
    {
      std::lock_guard lock(mutex);
      jobs.push_back(std::move(job));
    }
    wake.notify_one();
  }

  void note_problem(const std::string& why) {
    std::lock_guard lock(mutex);
    problem = why;
  }
};

HistoryStore::HistoryStore(const std::string& path, int keep_days, OnStored on_stored,
                           int busy_timeout_ms)
    : m_impl(std::make_unique<Impl>(path, keep_days, std::move(on_stored), busy_timeout_ms)) {
  m_impl->thread = std::thread([impl = m_impl.get()] { impl->run(); });
  m_impl->start_checkpointer(path);
}

HistoryStore::~HistoryStore() {
  {
    std::lock_guard lock(m_impl->mutex);
    m_impl->stopping = true;
  }
  m_impl->wake.notify_one();
  m_impl->checkpoint_wake.notify_one();
  m_impl->thread.join();
  m_impl->close();
}

std::vector<StoredChannel> HistoryStore::load_channels(std::size_t per_channel,
                                                       std::size_t max_channels) {
  // SQLite serializes calls on one connection: the store's thread may be
  // busy meanwhile.
  std::vector<StoredChannel> out;
  Statement channels(m_impl->db,
                     "SELECT folded, name, topic, setter FROM channels ORDER BY last_ms DESC LIMIT ?");
  Statement newest(m_impl->db,
                   "SELECT line FROM lines WHERE place = ? ORDER BY unix_ms DESC LIMIT ?");
  channels.bind(1, static_cast<std::int64_t>(max_channels));
  while (channels.step()) {
    StoredChannel c;
    std::string folded = channels.text(0);
    c.name = channels.text(1);
    c.topic = channels.text(2);
    c.topic_setter = channels.text(3);
    newest.bind(1, folded).bind(2, static_cast<std::int64_t>(per_channel + 1));
    while (newest.step()) c.lines.push_back(newest.text(0));
    newest.reset();
    if (c.lines.size() > per_channel) {
      c.older = true;
      c.lines.pop_back();
    }
    std::reverse(c.lines.begin(), c.lines.end());
    out.push_back(std::move(c));
  }
  return out;
}

std::uint64_t HistoryStore::keep(const core::Kept& record, bool wake) {
  // Numbered under the lock that orders the queue: numbers rise in queue order.
  std::uint64_t number;
  {
    std::lock_guard lock(m_impl->mutex);
    number = m_impl->next_number++;
    m_impl->jobs.push_back(Record{number, record});
  }
  if (wake) m_impl->wake.notify_one();
  return number;
}

void HistoryStore::wake() { m_impl->wake.notify_one(); }

void HistoryStore::page(const std::string& folded, std::int64_t before_unix_ms,
                        std::size_t max_bytes, int max_lines, std::function<void(HistoryPage)> done) {
  m_impl->push(PageQuestion{folded, before_unix_ms, max_bytes, max_lines, std::move(done)});
}

void HistoryStore::search(const std::string& place, const std::string& words,
                          std::size_t max_lines, std::size_t max_bytes,
                          std::function<void(std::vector<std::string>)> done) {
  m_impl->push(SearchQuestion{place, words, max_lines, max_bytes, std::move(done)});
}

std::uint64_t HistoryStore::stored() const { return m_impl->stored.load(); }

std::string HistoryStore::problem() const {
  std::lock_guard lock(m_impl->mutex);
  return m_impl->problem;
}

}  // namespace voixer::net
