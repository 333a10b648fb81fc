#include "net/file_server.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/file_stream.hpp"
#include "core/sealed_stream.hpp"

namespace voixer::net {

using asio::ip::tcp;
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kReadBytes = 64 * 1024;
constexpr std::size_t kSendChunk = 256 * 1024;  // read from disk and sealed at a time

struct Grant {
  core::ConnId owner = 0;
  core::FileGrant file;
};

struct Stream {
  explicit Stream(asio::io_context& io) : socket(io) {}
  ~Stream() {
    if (fd >= 0) ::close(fd);
  }
  tcp::socket socket;
  std::unique_ptr<core::SealedServerSide> sealed;
  std::vector<std::uint8_t> raw = std::vector<std::uint8_t>(kReadBytes);
  std::string plain;                 // opened, not consumed yet
  std::string writing, queued;       // sealed bytes on the socket / waiting for it
  enum class Phase { Request, Receiving, Sending, Finishing } phase = Phase::Request;
  core::FileGrant file;
  int fd = -1;
  std::uint64_t pos = 0;  // PUT: bytes on disk; GET: next byte to send
  core::FileHasher hasher;
  std::chrono::steady_clock::time_point last_progress = std::chrono::steady_clock::now();
  bool closed = false;
};

}  // namespace

class FileServer::Impl : public std::enable_shared_from_this<FileServer::Impl> {
 public:
  explicit Impl(FileServerOptions options)
      : m_options(std::move(options)), m_work(asio::make_work_guard(m_io)), m_sweep(m_io) {
    std::error_code ec;
    fs::create_directories(m_options.directory, ec);
    if (ec)
      throw std::runtime_error("cannot make the files directory " + m_options.directory + ": " +
                               ec.message());
    // Files are shown through the channel history, which lives as long as
    // the server does: what an earlier run kept cannot be reached.
    for (const auto& entry : fs::directory_iterator(m_options.directory, ec))
      if (entry.is_regular_file()) fs::remove(entry.path(), ec);
  }

  void start() {
    schedule_sweep();
    m_thread = std::thread([this] { m_io.run(); });
  }

  void stop() {
    asio::post(m_io, [this] {
      // A sweep that already fell due cannot be cancelled: it runs with
      // success, and must not start another (run() would never return).
      m_stopping = true;
      m_sweep.cancel();
      for (auto& s : std::set<std::shared_ptr<Stream>>(m_streams)) end(s, "");
      m_work.reset();
    });
    if (m_thread.joinable()) m_thread.join();
  }

  void grant(core::ConnId owner, const core::FileGrant& g) {
    asio::post(m_io, [self = shared_from_this(), owner, g] {
      self->m_grants[g.token] = Grant{owner, g};
    });
  }

  void revoke(core::ConnId owner) {
    asio::post(m_io, [self = shared_from_this(), owner] {
      std::erase_if(self->m_grants, [&](const auto& kv) { return kv.second.owner == owner; });
    });
  }

  void drop(const std::string& id) {
    asio::post(m_io, [self = shared_from_this(), id] {
      if (auto it = self->m_uploading.find(id); it != self->m_uploading.end())
        self->end(it->second, "the upload was abandoned");
      std::error_code ec;
      fs::remove(self->part_path(id), ec);
    });
  }

  void adopt(tcp::socket::native_handle_type fd, std::string first) {
    asio::post(m_io, [self = shared_from_this(), fd, first = std::move(first)] {
      auto s = std::make_shared<Stream>(self->m_io);
      sockaddr_storage addr{};
      socklen_t len = sizeof addr;
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
      asio::error_code ec;
      s->socket.assign(addr.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), fd, ec);
      if (ec) {
        ::close(fd);
        return;
      }
      if (self->m_streams.size() >= self->m_options.max_streams) {
        self->log("file stream refused: " + std::to_string(self->m_streams.size()) +
                  " streams already");
        return;  // the socket closes with `s`
      }
      s->sealed = std::make_unique<core::SealedServerSide>(*self->m_options.identity);
      self->m_streams.insert(s);
      std::string_view rest(first);
      rest.remove_prefix(1);  // the file stream's mark
      if (self->feed(s, {reinterpret_cast<const std::uint8_t*>(rest.data()), rest.size()}))
        self->read(s);
    });
  }

 private:
  void log(const std::string& line) {
    if (m_options.log) m_options.log(line);
  }

  std::string part_path(const std::string& id) const {
    return (fs::path(m_options.directory) / (id + ".part")).string();
  }
  std::string file_path(const std::string& id) const {
    return (fs::path(m_options.directory) / id).string();
  }

  void schedule_sweep() {
    m_sweep.expires_after(std::chrono::seconds(1));
    m_sweep.async_wait([this](asio::error_code ec) {
      if (ec || m_stopping) return;
      auto now = std::chrono::steady_clock::now();
      for (auto& s : std::set<std::shared_ptr<Stream>>(m_streams))
        if (now - s->last_progress > std::chrono::milliseconds(m_options.idle_timeout_ms))
          end(s, "no progress for " + std::to_string(m_options.idle_timeout_ms / 1000) + " s");
      schedule_sweep();
    });
  }

  void read(const std::shared_ptr<Stream>& s) {
    if (s->closed) return;
    s->socket.async_read_some(asio::buffer(s->raw),
                              [self = shared_from_this(), s](asio::error_code ec, std::size_t n) {
                                if (s->closed) return;
                                if (ec) {
                                  self->end(s, "");
                                  return;
                                }
                                if (self->feed(s, {s->raw.data(), n})) self->read(s);
                              });
  }

  // Sealed bytes in. Returns false when the stream ended.
  bool feed(const std::shared_ptr<Stream>& s, std::span<const std::uint8_t> bytes) {
    std::string plain, to_send, error;
    if (!s->sealed->receive(bytes, plain, to_send, error)) {
      end(s, "sealed stream failed: " + error);
      return false;
    }
    s->last_progress = std::chrono::steady_clock::now();
    if (!to_send.empty()) write_wire(s, std::move(to_send));
    s->plain += plain;
    return consume(s);
  }

  bool consume(const std::shared_ptr<Stream>& s) {
    if (s->phase == Stream::Phase::Request) {
      auto nl = s->plain.find('\n');
      if (nl == std::string::npos) {
        if (s->plain.size() > core::kMaxFileStreamLine) return fail(s, "request line too long");
        return true;
      }
      std::string line = s->plain.substr(0, nl);
      s->plain.erase(0, nl + 1);
      if (!start(s, line)) return false;
    }
    if (s->phase == Stream::Phase::Receiving && !s->plain.empty()) return receive(s);
    if (s->phase == Stream::Phase::Sending && !s->plain.empty())
      return fail(s, "unexpected bytes while sending the file");
    s->plain.clear();  // Finishing: the client has nothing more to say
    return true;
  }

  bool start(const std::shared_ptr<Stream>& s, const std::string& line) {
    std::string error;
    auto request = core::parse_request(line, error);
    if (!request) return fail(s, error);
    auto it = m_grants.find(request->token);
    if (it == m_grants.end() || it->second.file.direction != request->direction)
      return fail(s, "no such grant (ask again with FILEUPLOAD or FILEGET)");
    s->file = it->second.file;
    const std::string& id = s->file.id;
    if (request->direction == core::FileDirection::Put) {
      // One stream per upload: a new one (the uploader came back) wins.
      if (auto old = m_uploading.find(id); old != m_uploading.end())
        end(old->second, "replaced by a newer stream");
      s->fd = ::open(part_path(id).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
      if (s->fd < 0) return fail(s, "the server cannot store the file");
      struct stat st {};
      ::fstat(s->fd, &st);
      std::uint64_t have = static_cast<std::uint64_t>(st.st_size);
      if (have > s->file.size && ::ftruncate(s->fd, 0) == 0) have = 0;
      // Resuming: what arrived before is hashed again, then the rest as it comes.
      if (!hash_prefix(s->fd, have, s->hasher)) return fail(s, "the server cannot read the file");
      ::lseek(s->fd, static_cast<off_t>(have), SEEK_SET);
      s->pos = have;
      m_uploading[id] = s;
      s->phase = Stream::Phase::Receiving;
      log("file " + id + ": receiving from byte " + std::to_string(have));
      send_line(s, core::format_answer({core::FileAnswer::Kind::Ok, have, {}}));
      if (have == s->file.size) return complete(s);
      return true;
    }
    s->fd = ::open(file_path(id).c_str(), O_RDONLY | O_CLOEXEC);
    if (s->fd < 0) return fail(s, "the server no longer has the file");
    if (request->offset > s->file.size) return fail(s, "the offset is past the end of the file");
    s->pos = request->offset;
    s->phase = Stream::Phase::Sending;
    send_line(s, core::format_answer({core::FileAnswer::Kind::Ok, s->file.size, {}}));
    return true;
  }

  static bool hash_prefix(int fd, std::uint64_t bytes, core::FileHasher& hasher) {
    std::vector<std::uint8_t> buf(kSendChunk);
    std::uint64_t at = 0;
    while (at < bytes) {
      auto want = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), bytes - at));
      ssize_t n = ::pread(fd, buf.data(), want, static_cast<off_t>(at));
      if (n <= 0) return false;
      hasher.update({buf.data(), static_cast<std::size_t>(n)});
      at += static_cast<std::uint64_t>(n);
    }
    return true;
  }

  bool receive(const std::shared_ptr<Stream>& s) {
    if (s->pos + s->plain.size() > s->file.size) return fail(s, "more bytes than the file has");
    const char* p = s->plain.data();
    std::size_t left = s->plain.size();
    while (left > 0) {
      ssize_t n = ::write(s->fd, p, left);
      if (n <= 0) return fail(s, "the server cannot store the file (disk full?)");
      p += n;
      left -= static_cast<std::size_t>(n);
    }
    s->hasher.update(s->plain);
    s->pos += s->plain.size();
    s->plain.clear();
    if (s->pos == s->file.size) return complete(s);
    return true;
  }

  // Every byte is there: kept when it matches the hash, else removed.
  bool complete(const std::shared_ptr<Stream>& s) {
    const std::string id = s->file.id;
    ::close(s->fd);
    s->fd = -1;
    m_uploading.erase(id);
    bool ok = s->hasher.finish_hex() == s->file.hash;
    std::error_code ec;
    if (ok) {
      fs::rename(part_path(id), file_path(id), ec);
      ok = !ec;
    } else {
      fs::remove(part_path(id), ec);
    }
    log("file " + id + (ok ? ": stored" : ": bytes did not match the hash, removed"));
    if (m_options.on_uploaded) m_options.on_uploaded(id, ok);
    if (!ok) return fail(s, "the bytes did not match the hash; send the file again");
    s->phase = Stream::Phase::Finishing;
    send_line(s, core::format_answer({core::FileAnswer::Kind::Done, 0, {}}));
    return true;
  }

  void send_line(const std::shared_ptr<Stream>& s, const std::string& line) {
    std::string wire;
    s->sealed->seal(line, wire);
    write_wire(s, std::move(wire));
  }

  // Refuses with a reason the client reads; the stream ends when the
  // client closes it (or the idle sweep does). Returns whether to go on
  // reading.
  bool fail(const std::shared_ptr<Stream>& s, const std::string& why) {
    log("file stream failed: " + why);
    if (s->phase == Stream::Phase::Receiving) {
      auto it = m_uploading.find(s->file.id);
      if (it != m_uploading.end() && it->second == s) m_uploading.erase(it);
    }
    s->phase = Stream::Phase::Finishing;
    s->plain.clear();
    if (!s->sealed->can_send()) {
      end(s, "");
      return false;
    }
    send_line(s, core::format_answer({core::FileAnswer::Kind::Failed, 0, why}));
    return true;
  }

  void write_wire(const std::shared_ptr<Stream>& s, std::string bytes) {
    s->queued += bytes;
    flush(s);
  }

  void flush(const std::shared_ptr<Stream>& s) {
    if (s->closed || !s->writing.empty() || s->queued.empty()) return;
    s->writing.swap(s->queued);
    asio::async_write(s->socket, asio::buffer(s->writing),
                      [self = shared_from_this(), s](asio::error_code ec, std::size_t) {
                        if (s->closed) return;
                        s->writing.clear();
                        if (ec) {
                          self->end(s, "");
                          return;
                        }
                        s->last_progress = std::chrono::steady_clock::now();
                        self->after_write(s);
                      });
  }

  void after_write(const std::shared_ptr<Stream>& s) {
    if (!s->queued.empty()) {
      flush(s);
      return;
    }
    if (s->phase == Stream::Phase::Sending) {
      send_more(s);
    } else if (s->phase == Stream::Phase::Finishing) {
      // Said all there is: the client closes; a half-close tells it so.
      asio::error_code ignored;
      s->socket.shutdown(tcp::socket::shutdown_send, ignored);
    }
  }

  // GET: the next chunk from disk, sealed; one chunk on the socket at a
  // time keeps memory flat for any size of file.
  void send_more(const std::shared_ptr<Stream>& s) {
    if (s->pos >= s->file.size) {
      s->phase = Stream::Phase::Finishing;
      after_write(s);
      return;
    }
    std::string chunk(static_cast<std::size_t>(std::min<std::uint64_t>(kSendChunk, s->file.size - s->pos)),
                      '\0');
    ssize_t n = ::pread(s->fd, chunk.data(), chunk.size(), static_cast<off_t>(s->pos));
    if (n <= 0) {
      fail(s, "the server cannot read the file");
      return;
    }
    chunk.resize(static_cast<std::size_t>(n));
    s->pos += static_cast<std::uint64_t>(n);
    std::string wire;
    s->sealed->seal(chunk, wire);
    write_wire(s, std::move(wire));
  }

  void end(const std::shared_ptr<Stream>& s, const std::string& why) {
    if (s->closed) return;
    s->closed = true;
    if (!why.empty()) log("file stream ended: " + why);
    if (s->phase == Stream::Phase::Receiving) {
      auto it = m_uploading.find(s->file.id);
      if (it != m_uploading.end() && it->second == s) m_uploading.erase(it);
    }
    asio::error_code ignored;
    s->socket.close(ignored);
    m_streams.erase(s);
  }

  FileServerOptions m_options;
  asio::io_context m_io;
  asio::executor_work_guard<asio::io_context::executor_type> m_work;
  asio::steady_timer m_sweep;
  bool m_stopping = false;  // file thread only
  std::thread m_thread;
  std::set<std::shared_ptr<Stream>> m_streams;
  std::map<std::string, Grant> m_grants;  // by token
  std::map<std::string, std::shared_ptr<Stream>> m_uploading;  // by file id
};

FileServer::FileServer(FileServerOptions options)
    : m_impl(std::make_shared<Impl>(std::move(options))) {
  m_impl->start();
}

FileServer::~FileServer() { m_impl->stop(); }

void FileServer::grant(core::ConnId owner, const core::FileGrant& grant) {
  m_impl->grant(owner, grant);
}
void FileServer::revoke(core::ConnId owner) { m_impl->revoke(owner); }
void FileServer::drop(const std::string& id) { m_impl->drop(id); }
void FileServer::adopt(tcp::socket::native_handle_type socket, std::string first_bytes) {
  m_impl->adopt(socket, std::move(first_bytes));
}

}  // namespace voixer::net
