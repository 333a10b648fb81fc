#include "platform/desktop.hpp"

#include <libnotify/notify.h>
#include <spawn.h>
#include <sys/wait.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

extern char** environ;

namespace voixer::platform {

class DesktopNotifier::Impl {
 public:
  Impl() : m_thread([this] { run(); }) {}
  ~Impl() {
    {
      std::lock_guard lock(m_mutex);
      m_stop = true;
    }
    m_cv.notify_one();
    m_thread.join();
  }

  void notify(std::string summary, std::string body) {
    {
      std::lock_guard lock(m_mutex);
      if (m_queue.size() >= 8) m_queue.pop_front();  // a burst: the latest matter
      m_queue.emplace_back(std::move(summary), std::move(body));
    }
    m_cv.notify_one();
  }

  std::string last_error() const {
    std::lock_guard lock(m_mutex);
    return m_error;
  }

 private:
  void run() {
    bool ready = false;
    for (;;) {
      std::pair<std::string, std::string> next;
      {
        std::unique_lock lock(m_mutex);
        m_cv.wait(lock, [&] { return m_stop || !m_queue.empty(); });
        if (m_stop) break;
        next = std::move(m_queue.front());
        m_queue.pop_front();
      }
      if (!ready) ready = notify_init("Voixer");
      std::string error = ready ? show(next.first, next.second) : "libnotify did not start";
      std::lock_guard lock(m_mutex);
      m_error = error;
    }
    if (ready) notify_uninit();
  }

  static std::string show(const std::string& summary, const std::string& body) {
    NotifyNotification* n = notify_notification_new(summary.c_str(), body.c_str(), "voixer");
    notify_notification_set_category(n, "im.received");
    GError* error = nullptr;
    std::string why;
    if (!notify_notification_show(n, &error)) {
      why = error ? error->message : "the notification service refused it";
      if (error) g_error_free(error);
    }
    g_object_unref(G_OBJECT(n));
    return why;
  }

  mutable std::mutex m_mutex;
  std::condition_variable m_cv;
  std::deque<std::pair<std::string, std::string>> m_queue;
  std::string m_error;
  bool m_stop = false;
  std::thread m_thread;  // last: starts once the rest is ready
};

DesktopNotifier::DesktopNotifier() : m_impl(std::make_unique<Impl>()) {}
DesktopNotifier::~DesktopNotifier() = default;
void DesktopNotifier::notify(const std::string& summary, const std::string& body) {
  m_impl->notify(summary, body);
}
std::string DesktopNotifier::last_error() const { return m_impl->last_error(); }

namespace {

bool xdg_open(const std::string& what) {
  const char* argv[] = {"xdg-open", what.c_str(), nullptr};
  pid_t pid = 0;
  if (posix_spawnp(&pid, "xdg-open", nullptr, nullptr, const_cast<char* const*>(argv), environ) != 0)
    return false;
  // xdg-open hands the link to the browser and exits; reap it off the UI thread.
  std::thread([pid] { waitpid(pid, nullptr, 0); }).detach();
  return true;
}

}  // namespace

bool open_link(const std::string& url) {
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) return false;
  return xdg_open(url);
}

bool open_file(const std::string& path) {
  if (path.empty() || path[0] != '/') return false;  // never an option to xdg-open
  return xdg_open(path);
}

}  // namespace voixer::platform
