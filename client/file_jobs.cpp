#include "client/file_jobs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <utility>

#include "core/file_names.hpp"
#include "core/file_stream.hpp"

namespace voixer::client {

namespace fs = std::filesystem;
using State = FileJobView::State;
using Clock = std::chrono::steady_clock;

struct FileJobs::Job {
  FileJobView view;
  std::string local_path;  // upload: the file; download: the ".part" file
  std::string directory;   // download: where it lands
  std::string name_by_hash;  // ByHash: the name it lands under; empty: a new name
  std::string hash;
  std::string request;     // the line that asks for a grant
  bool request_sent = false;
  std::future<std::string> hashing;  // upload: "" or why not
  std::unique_ptr<FileTransfer> transfer;
  std::string token;
  int retries = 0;
  Clock::time_point ask_at{};  // a retry waits until then
  Clock::time_point rate_since{};
  std::uint64_t rate_bytes = 0;
  int last_tenth = -1;  // progress told in tenths
  bool told_resume = false;
};

std::string hash_file(const std::string& path, std::string& hash_hex) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "cannot read " + path + ": " + std::strerror(errno);
  core::FileHasher hasher;
  std::vector<std::uint8_t> buf(1 << 20);
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      ::close(fd);
      return "cannot read " + path + ": " + std::strerror(errno);
    }
    if (n == 0) break;
    hasher.update({buf.data(), static_cast<std::size_t>(n)});
  }
  ::close(fd);
  hash_hex = hasher.finish_hex();
  return {};
}

std::atomic<unsigned> FileJobs::s_cache_fetches{0};

FileJobs::FileJobs() = default;
FileJobs::~FileJobs() = default;

std::string FileJobs::send(const std::string& conversation, const std::string& path) {
  std::error_code ec;
  auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) return "no file " + path;
  if (!fs::is_regular_file(status)) return path + " is not a file";
  auto size = fs::file_size(path, ec);
  if (ec) return "cannot read " + path + ": " + ec.message();
  if (size == 0) return path + " is empty";
  std::string name = fs::path(path).filename().string();
  if (auto why = core::check_file_name(name); !why.empty()) return why;
  auto j = std::make_unique<Job>();
  j->view.number = m_next_number++;
  j->view.upload = true;
  j->view.state = State::Hashing;
  j->view.name = name;
  j->view.conversation = conversation;
  j->view.size = size;
  j->local_path = path;
  Job* raw = j.get();
  j->hashing = std::async(std::launch::async, [raw, path] { return hash_file(path, raw->hash); });
  m_jobs.push_back(std::move(j));
  return {};
}

std::string FileJobs::name_by_hash(const core::FileShared& file) {
  std::string ext = fs::path(core::download_name(file.name)).extension().string();
  for (char& c : ext) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return file.hash + ext;
}

std::string FileJobs::fetch(const core::FileShared& file, const std::string& directory,
                            Landing landing) {
  // Both name files on this disk: only what the server is meant to send.
  if (!core::is_hex_id(file.id, core::kFileIdHexDigits) ||
      !core::is_hex_id(file.hash, core::kFileHashHexDigits))
    return file.name + ": the server sent a malformed file id or hash";
  if (fetching(file.id)) return file.name + " is being fetched already";
  std::error_code ec;
  fs::create_directories(directory, ec);
  if (ec) return "cannot make " + directory + ": " + ec.message();
  auto j = std::make_unique<Job>();
  j->view.number = m_next_number++;
  j->view.state = State::Asking;
  j->view.name = file.name;
  j->view.conversation = file.target;
  j->view.id = file.id;
  j->view.size = file.size;
  j->hash = file.hash;
  j->directory = directory;
  if (landing == Landing::ByHash) j->name_by_hash = name_by_hash(file);
  // Hidden, and named by the file id, so a fetch after a restart finds it.
  // In a cache, other clients may fetch the same file at the same time:
  // each fetch writes a part file of its own there.
  std::string part = landing == Landing::NewName
                         ? "." + core::download_name(file.name) + "." + file.id.substr(0, 8)
                         : "." + file.hash.substr(0, 16) + "." + std::to_string(::getpid()) +
                               "." + std::to_string(s_cache_fetches++);
  j->local_path = (fs::path(directory) / (part + ".part")).string();
  j->request = core::format(core::ClientMessage{core::FileGet{file.id}});
  m_jobs.push_back(std::move(j));
  return {};
}

bool FileJobs::fetching(const std::string& id) const {
  for (const auto& j : m_jobs)
    if (!j->view.upload && j->view.id == id &&
        (j->view.state == State::Asking || j->view.state == State::Moving))
      return true;
  return false;
}

FileJobs::Job* FileJobs::find_asking(const std::function<bool(const Job&)>& match) {
  for (auto& j : m_jobs)
    if (j->view.state == State::Asking && j->request_sent && match(*j)) return j.get();
  return nullptr;
}

void FileJobs::on_grant(const core::FileGrant& g) {
  bool up = g.direction == core::FileDirection::Put;
  Job* j = find_asking([&](const Job& job) {
    return job.view.upload == up &&
           (up ? job.hash == g.hash && job.view.size == g.size && job.view.name == g.name
               : job.view.id == g.id);
  });
  if (!j) return;
  j->view.id = g.id;
  j->token = g.token;
}

void FileJobs::on_shared(const core::FileShared& f) {
  Job* j = find_asking([&](const Job& job) {
    return job.view.upload && job.hash == f.hash && job.view.size == f.size;
  });
  if (!j) return;  // someone else's file
  j->view.id = f.id;
  j->view.done = j->view.size;
  j->view.state = State::Done;
}

void FileJobs::on_refused(const std::string& message) {
  // The server answers requests in order: the oldest one waiting is it.
  Job* j = find_asking([](const Job& job) { return job.token.empty(); });
  if (!j) return;
  j->view.state = State::Failed;
  j->view.error = message;
  m_pending.push_back({FileNote::Kind::Failed, j->view.name + ": " + message, j->view.number});
}

void FileJobs::on_disconnected() {
  for (auto& j : m_jobs)
    if (j->view.state == State::Asking) j->request_sent = false;
}

std::vector<FileNote> FileJobs::poll(const FileEndpoint& server, std::vector<std::string>& lines) {
  std::vector<FileNote> notes = std::exchange(m_pending, {});
  auto now = Clock::now();
  for (auto& jp : m_jobs) {
    Job& j = *jp;
    if (j.view.state == State::Hashing &&
        j.hashing.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
      if (auto why = j.hashing.get(); !why.empty()) {
        j.view.state = State::Failed;
        j.view.error = why;
        notes.push_back({FileNote::Kind::Failed, j.view.name + ": " + why, j.view.number});
        continue;
      }
      j.view.state = State::Asking;
      j.request = core::format(core::ClientMessage{
          core::FileUpload{j.view.conversation, j.view.size, j.hash, j.view.name}});
    }
    if (j.view.state == State::Asking && !j.request_sent && now >= j.ask_at) {
      lines.push_back(j.request);
      j.request_sent = true;
    }
    if (j.view.state == State::Done && !j.transfer && j.view.upload && j.last_tenth < 10) {
      j.last_tenth = 10;  // stored before: nothing to send
      notes.push_back({FileNote::Kind::Done, j.view.name + ": shared in " + j.view.conversation,
                       j.view.number});
    }
    if (j.view.state == State::Asking && !j.token.empty()) {
      TransferJob t;
      t.direction = j.view.upload ? core::FileDirection::Put : core::FileDirection::Get;
      t.host = server.host;
      t.port = server.port;
      t.server_identity = server.identity;
      t.token = std::exchange(j.token, {});
      t.local_path = j.local_path;
      t.size = j.view.size;
      t.hash = j.hash;
      j.transfer = std::make_unique<FileTransfer>(std::move(t));
      j.view.state = State::Moving;
      if (j.retries == 0)
        notes.push_back({FileNote::Kind::Progress,
                         j.view.name + ": " + (j.view.upload ? "sending " : "fetching ") +
                             core::human_size(j.view.size),
                         j.view.number});
      j.rate_since = now;
      j.rate_bytes = j.view.done;
    }
    if (j.view.state != State::Moving) continue;
    j.view.done = j.transfer->bytes_done();
    double seconds = std::chrono::duration<double>(now - j.rate_since).count();
    if (seconds >= 0.5) {
      j.view.bytes_per_second = static_cast<double>(j.view.done - std::min(j.view.done, j.rate_bytes)) / seconds;
      j.rate_since = now;
      j.rate_bytes = j.view.done;
    }
    if (!j.told_resume && j.transfer->resumed_at() > 0) {
      j.told_resume = true;
      notes.push_back({FileNote::Kind::Progress,
                       j.view.name + ": resuming at byte " + std::to_string(j.transfer->resumed_at()),
                       j.view.number});
    }
    int tenth = static_cast<int>(j.view.done * 10 / std::max<std::uint64_t>(1, j.view.size));
    if (tenth > std::max(j.last_tenth, 0) && tenth < 10) {
      j.last_tenth = tenth;
      notes.push_back({FileNote::Kind::Progress,
                       j.view.name + ": " + std::to_string(tenth * 10) + "% of " +
                           core::human_size(j.view.size) + " " + (j.view.upload ? "sent" : "fetched"),
                       j.view.number});
    }
    if (j.transfer->finished()) finish(j, notes);
  }
  return notes;
}

void FileJobs::finish(Job& j, std::vector<FileNote>& notes) {
  auto transfer = std::move(j.transfer);
  j.view.done = transfer->bytes_done();
  const std::string& error = transfer->error();
  if (!error.empty()) {
    if (transfer->retry_helps() && j.retries < kRetries) {
      ++j.retries;  // asked again, resumed where it stopped
      j.told_resume = false;
      j.view.state = State::Asking;
      j.request_sent = false;
      j.ask_at = Clock::now() + std::chrono::milliseconds(500 * j.retries);
      notes.push_back({FileNote::Kind::Progress,
                       j.view.name + ": " + error + "; trying again", j.view.number});
      return;
    }
    j.view.state = State::Failed;
    j.view.error = error;
    notes.push_back({FileNote::Kind::Failed, j.view.name + ": " + error, j.view.number});
    return;
  }
  if (j.view.upload) {
    // Shared once the server announces it (FILE), which on_shared() sees;
    // the announcement may come before or after this.
    j.view.state = State::Done;
    j.last_tenth = 10;
    notes.push_back({FileNote::Kind::Done, j.view.name + ": sent to " + j.view.conversation,
                     j.view.number});
    return;
  }
  std::string name =
      !j.name_by_hash.empty()
          ? j.name_by_hash
          : core::unique_name(core::download_name(j.view.name), [&](const std::string& n) {
              std::error_code ec;
              return fs::exists(fs::path(j.directory) / n, ec);
            });
  fs::path final_path = fs::path(j.directory) / name;
  std::error_code ec;
  fs::rename(j.local_path, final_path, ec);
  if (ec) {
    j.view.state = State::Failed;
    j.view.error = "cannot move it to " + final_path.string() + ": " + ec.message();
    notes.push_back({FileNote::Kind::Failed, j.view.name + ": " + j.view.error, j.view.number});
    return;
  }
  j.view.state = State::Done;
  j.view.saved_path = final_path.string();
  notes.push_back({FileNote::Kind::Done, j.view.name + ": saved " + j.view.saved_path +
                                             " (" + core::human_size(j.view.size) + ", hash checked)",
                   j.view.number});
}

std::vector<FileJobView> FileJobs::jobs() const {
  std::vector<FileJobView> out;
  for (const auto& j : m_jobs) out.push_back(j->view);
  return out;
}

}  // namespace voixer::client
