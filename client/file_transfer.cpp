#include "client/file_transfer.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "core/file_stream.hpp"
#include "core/sealed_stream.hpp"

namespace voixer::client {

namespace {

constexpr std::size_t kChunk = 256 * 1024;
constexpr int kStallSeconds = 30;  // no byte for this long: the stream is broken

// A broken stream (worth resuming), as opposed to a refusal.
struct Broken {
  std::string why;
};

int connect_to(const std::string& host, std::uint16_t port, std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::string service = std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    error = "cannot resolve " + host + ": " + ::gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  for (addrinfo* a = found; a; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    error = std::strerror(errno);
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(found);
  if (fd < 0) {
    error = "cannot connect to " + host + ":" + service + ": " + error;
    return -1;
  }
  timeval stall{kStallSeconds, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &stall, sizeof stall);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &stall, sizeof stall);
  return fd;
}

void send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) throw Broken{n == 0 ? "the server closed the file stream" : std::strerror(errno)};
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Reads some bytes; throws Broken at the end of the stream or on a stall.
std::size_t receive_some(int fd, std::vector<std::uint8_t>& buf) {
  ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
  if (n > 0) return static_cast<std::size_t>(n);
  if (n == 0) throw Broken{"the server closed the file stream"};
  if (errno == EAGAIN || errno == EWOULDBLOCK)
    throw Broken{"no data for " + std::to_string(kStallSeconds) + " s"};
  throw Broken{std::strerror(errno)};
}

// The sealed side of a file stream: handshake, then lines and bytes.
class SealedPipe {
 public:
  SealedPipe(int fd, const core::PublicKey& expected) : m_fd(fd), m_buf(64 * 1024) {
    std::string hello(1, static_cast<char>(core::kFileStreamFirstByte));
    hello += m_sealed.hello();
    send_all(m_fd, hello);
    std::string error;
    while (!m_sealed.server_key()) {
      std::size_t n = receive_some(m_fd, m_buf);
      if (!m_sealed.receive({m_buf.data(), n}, m_plain, error)) throw Broken{error};
    }
    if (*m_sealed.server_key() != expected)
      throw std::runtime_error("the file stream's server proved another identity");
    std::string header;
    if (!m_sealed.accept(header, m_plain, error)) throw Broken{error};
    send_all(m_fd, header);
  }

  void send(std::string_view plain) {
    m_wire.clear();
    m_sealed.seal(plain, m_wire);
    send_all(m_fd, m_wire);
  }

  // The next line from the server.
  std::string line() {
    for (;;) {
      if (auto nl = m_plain.find('\n'); nl != std::string::npos) {
        std::string l = m_plain.substr(0, nl);
        m_plain.erase(0, nl + 1);
        return l;
      }
      if (m_plain.size() > core::kMaxFileStreamLine) throw Broken{"the server sent garbage"};
      more();
    }
  }

  // Bytes after the answer line: what is buffered, else the next read.
  std::string take() {
    if (m_plain.empty()) more();
    return std::exchange(m_plain, {});
  }

 private:
  void more() {
    std::size_t n = receive_some(m_fd, m_buf);
    std::string error;
    if (!m_sealed.receive({m_buf.data(), n}, m_plain, error)) throw Broken{error};
  }

  int m_fd;
  core::SealedClientSide m_sealed;
  std::vector<std::uint8_t> m_buf;
  std::string m_plain, m_wire;
};

core::FileAnswer answer(SealedPipe& pipe) {
  auto a = core::parse_answer(pipe.line());
  if (!a) throw Broken{"the server's answer made no sense"};
  if (a->kind == core::FileAnswer::Kind::Failed) throw std::runtime_error(a->why);
  return *a;
}

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

FileTransfer::FileTransfer(TransferJob job) : m_job(std::move(job)) {
  m_thread = std::thread([this] { run(); });
}

FileTransfer::~FileTransfer() {
  cancel();
  if (m_thread.joinable()) m_thread.join();
}

void FileTransfer::cancel() {
  std::lock_guard lock(m_socket_mutex);
  m_cancel = true;
  if (m_socket >= 0) ::shutdown(m_socket, SHUT_RDWR);  // wakes a blocked send or recv
}

void FileTransfer::run() {
  std::string error;
  int fd = connect_to(m_job.host, m_job.port, error);
  if (fd >= 0) {
    {
      std::lock_guard lock(m_socket_mutex);
      m_socket = fd;
      if (m_cancel) ::shutdown(fd, SHUT_RDWR);
    }
    try {
      error = transfer(fd);
    } catch (const Broken& b) {
      error = m_cancel ? "cancelled" : b.why;
      m_retry_helps = !m_cancel;
    } catch (const std::exception& e) {
      error = e.what();
    }
    {
      std::lock_guard lock(m_socket_mutex);
      m_socket = -1;
    }
    ::close(fd);
  } else {
    m_retry_helps = true;
  }
  m_error = error;
  m_finished.store(true, std::memory_order_release);
}

std::string FileTransfer::transfer(int fd) {
  SealedPipe pipe(fd, m_job.server_identity);
  std::vector<char> chunk(kChunk);
  if (m_job.direction == core::FileDirection::Put) {
    Fd file{::open(m_job.local_path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (file.fd < 0) return "cannot read " + m_job.local_path + ": " + std::strerror(errno);
    pipe.send(core::format_request({core::FileDirection::Put, m_job.token, 0}));
    std::uint64_t at = answer(pipe).number;
    if (at > m_job.size) return "the server has more bytes than the file";
    m_resumed_at = at;
    m_done = at;
    while (at < m_job.size) {
      auto want = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, m_job.size - at));
      ssize_t n = ::pread(file.fd, chunk.data(), want, static_cast<off_t>(at));
      if (n <= 0) return "cannot read " + m_job.local_path + " (did it change?)";
      pipe.send({chunk.data(), static_cast<std::size_t>(n)});
      at += static_cast<std::uint64_t>(n);
      m_done = at;
    }
    answer(pipe);  // DONE, or FAILED (thrown)
    return {};
  }
  Fd file{::open(m_job.local_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)};
  if (file.fd < 0) return "cannot write " + m_job.local_path + ": " + std::strerror(errno);
  struct stat st {};
  ::fstat(file.fd, &st);
  auto at = static_cast<std::uint64_t>(st.st_size);
  if (at > m_job.size && ::ftruncate(file.fd, 0) == 0) at = 0;
  core::FileHasher hasher;
  for (std::uint64_t h = 0; h < at;) {  // what a dropped transfer left: hashed again
    auto want = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, at - h));
    ssize_t n = ::pread(file.fd, chunk.data(), want, static_cast<off_t>(h));
    if (n <= 0) return "cannot read " + m_job.local_path;
    hasher.update({chunk.data(), static_cast<std::size_t>(n)});
    h += static_cast<std::uint64_t>(n);
  }
  ::lseek(file.fd, static_cast<off_t>(at), SEEK_SET);
  m_resumed_at = at;
  m_done = at;
  pipe.send(core::format_request({core::FileDirection::Get, m_job.token, at}));
  if (answer(pipe).number != m_job.size) return "the server's file has another size";
  while (at < m_job.size) {
    std::string bytes = pipe.take();
    if (at + bytes.size() > m_job.size) return "the server sent more bytes than the file has";
    std::string_view rest = bytes;
    while (!rest.empty()) {
      ssize_t n = ::write(file.fd, rest.data(), rest.size());
      if (n <= 0) return "cannot write " + m_job.local_path + ": " + std::strerror(errno);
      rest.remove_prefix(static_cast<std::size_t>(n));
    }
    hasher.update(bytes);
    at += bytes.size();
    m_done = at;
  }
  if (hasher.finish_hex() != m_job.hash) {
    ::ftruncate(file.fd, 0);
    return "the bytes did not match the file's hash";
  }
  return {};
}

}  // namespace voixer::client
