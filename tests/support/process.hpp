// A child process, for end-to-end tests and benchmarks of the voixer
// executable: with pipes on stdin, stdout and stderr that the caller reads
// (reads wait on a deadline, never sleep), or with its output going to a
// log file for a long-running server nobody reads. The child dies with the
// process that started it.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace voixer::test {

class Process {
 public:
  explicit Process(const std::vector<std::string>& argv);
  // stdin from /dev/null, stdout and stderr to `log_path` ("/dev/null" to drop).
  Process(const std::vector<std::string>& argv, const std::string& log_path);
  ~Process();  // kills the child if it still runs
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  void write_stdin(const std::string& bytes);
  void close_stdin();
  // Next stdout line within timeout_ms, or nullopt (timeout or EOF).
  std::optional<std::string> stdout_line(int timeout_ms = 5000);
  // Stdout lines until one equals `line`; nullopt if it never came.
  std::optional<std::vector<std::string>> stdout_until(const std::string& line,
                                                       int timeout_ms = 5000);
  // Everything on stderr so far plus whatever arrives until EOF or timeout.
  std::string stderr_text(int timeout_ms = 0);
  // Exit code, or -1 on timeout; a signal death gives 128 + signal.
  int wait(int timeout_ms = 5000);
  void signal(int sig);
  // SIGTERM, then SIGKILL if it has not exited within `grace_ms`.
  void stop(int grace_ms = 5000);
  pid_t pid() const { return m_pid; }

 private:
  bool fill(int fd, std::string& buf, int timeout_ms);
  pid_t m_pid = -1;
  int m_in = -1, m_out = -1, m_err = -1;
  std::string m_out_buf, m_err_buf;
  std::optional<int> m_status;
};

}  // namespace voixer::test
