#include "support/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

namespace voixer::test {

namespace {

using Clock = std::chrono::steady_clock;

int ms_left(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

// In the child, after fork: only async-signal-safe calls until exec.
[[noreturn]] void exec_child(const std::vector<char*>& args, pid_t parent) {
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // never outlive a crashed or killed parent
  if (::getppid() != parent) ::_exit(127);
  ::execv(args[0], args.data());
  ::_exit(127);
}

std::vector<char*> c_args(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  return args;
}

}  // namespace

Process::Process(const std::vector<std::string>& argv, const std::string& log_path) {
  auto args = c_args(argv);
  pid_t parent = ::getpid();
  m_pid = ::fork();
  if (m_pid < 0) throw std::runtime_error("fork failed");
  if (m_pid == 0) {
    int in = ::open("/dev/null", O_RDONLY);
    int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || log < 0) ::_exit(126);
    ::dup2(in, 0);
    ::dup2(log, 1);
    ::dup2(log, 2);
    exec_child(args, parent);
  }
  ::signal(SIGPIPE, SIG_IGN);
}

Process::Process(const std::vector<std::string>& argv) {
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) || ::pipe2(out, O_CLOEXEC) || ::pipe2(err, O_CLOEXEC))
    throw std::runtime_error("pipe failed");
  auto args = c_args(argv);
  pid_t parent = ::getpid();
  m_pid = ::fork();
  if (m_pid < 0) throw std::runtime_error("fork failed");
  if (m_pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    exec_child(args, parent);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  m_in = in[1];
  m_out = out[0];
  m_err = err[0];
  ::signal(SIGPIPE, SIG_IGN);
}

Process::~Process() {
  if (!m_status) {
    ::kill(m_pid, SIGKILL);
    wait(5000);
  }
  for (int fd : {m_in, m_out, m_err})
    if (fd >= 0) ::close(fd);
}

void Process::write_stdin(const std::string& bytes) {
  std::size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::write(m_in, bytes.data() + off, bytes.size() - off);
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

void Process::close_stdin() {
  if (m_in >= 0) ::close(m_in);
  m_in = -1;
}

bool Process::fill(int fd, std::string& buf, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return false;
  char chunk[4096];
  ssize_t n = ::read(fd, chunk, sizeof chunk);
  if (n <= 0) return false;
  buf.append(chunk, static_cast<std::size_t>(n));
  return true;
}

std::optional<std::string> Process::stdout_line(int timeout_ms) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    if (auto nl = m_out_buf.find('\n'); nl != std::string::npos) {
      std::string line = m_out_buf.substr(0, nl);
      m_out_buf.erase(0, nl + 1);
      return line;
    }
    if (!fill(m_out, m_out_buf, ms_left(deadline))) {
      if (ms_left(deadline) == 0) return std::nullopt;
      pollfd p{m_out, POLLIN, 0};
      if (::poll(&p, 1, 0) > 0 && (p.revents & POLLHUP) && !(p.revents & POLLIN))
        return std::nullopt;  // EOF
    }
  }
}

std::optional<std::vector<std::string>> Process::stdout_until(const std::string& line,
                                                              int timeout_ms) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  std::vector<std::string> seen;
  while (auto got = stdout_line(ms_left(deadline))) {
    if (*got == line) return seen;
    seen.push_back(*got);
  }
  return std::nullopt;
}

std::string Process::stderr_text(int timeout_ms) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (fill(m_err, m_err_buf, ms_left(deadline))) {
  }
  return m_err_buf;
}

int Process::wait(int timeout_ms) {
  if (m_status) return *m_status;
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(m_pid, &status, WNOHANG);
    if (r == m_pid) {
      m_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return *m_status;
    }
    if (ms_left(deadline) == 0) return -1;
    // Waiting for a child's exit has no descriptor to poll here; a short
    // pause between checks bounds the wait without guessing a duration.
    ::usleep(2000);
  }
}

void Process::signal(int sig) { ::kill(m_pid, sig); }

void Process::stop(int grace_ms) {
  if (m_status) return;
  signal(SIGTERM);
  if (wait(grace_ms) >= 0) return;
  signal(SIGKILL);
  wait(grace_ms);
}

}  // namespace voixer::test
