// The desktop around the window: notifications (the freedesktop
// notification service, through libnotify) and opening a web link in the
// person's browser (xdg-open).
#pragma once

#include <memory>
#include <string>

namespace voixer::platform {

// Shows notifications from a thread of its own: talking to the session bus
// may take a while and the window must not wait for it.
class DesktopNotifier {
 public:
  DesktopNotifier();
  ~DesktopNotifier();
  DesktopNotifier(const DesktopNotifier&) = delete;
  DesktopNotifier& operator=(const DesktopNotifier&) = delete;

  void notify(const std::string& summary, const std::string& body);
  // "" or why the last notification could not be shown (for the log).
  std::string last_error() const;

 private:
  class Impl;
  std::unique_ptr<Impl> m_impl;
};

// Opens an http:// or https:// link with xdg-open, without a shell; false
// (nothing run) for anything else.
bool open_link(const std::string& url);
// Opens a file (an absolute path) with the desktop's application for it.
bool open_file(const std::string& path);

}  // namespace voixer::platform
