// xdnd_drop WINDOW_ID X Y FILE...: drops files on an X window the way a file
// manager does (the XDND protocol, version 5, as the source), so that a
// test can drop files on the voixer window under Xvfb. X and Y are root
// coordinates. Exits 0 once the target says it finished with the drop
// (XdndFinished), 1 when it refused or never answered.
#include <X11/Xatom.h>
#include <X11/Xlib.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

namespace {

Display* display;
Window source, target;

Atom atom(const char* name) { return XInternAtom(display, name, False); }

void send(const char* type, long l1, long l2, long l3, long l4) {
  XEvent e{};
  e.xclient.type = ClientMessage;
  e.xclient.display = display;
  e.xclient.window = target;
  e.xclient.message_type = atom(type);
  e.xclient.format = 32;
  e.xclient.data.l[0] = static_cast<long>(source);
  e.xclient.data.l[1] = l1;
  e.xclient.data.l[2] = l2;
  e.xclient.data.l[3] = l3;
  e.xclient.data.l[4] = l4;
  XSendEvent(display, target, False, NoEventMask, &e);
  XFlush(display);
}

// The next event for us, or false after `seconds`.
bool next_event(XEvent& e, int seconds) {
  std::time_t until = std::time(nullptr) + seconds;
  while (std::time(nullptr) <= until) {
    if (XPending(display)) {
      XNextEvent(display, &e);
      return true;
    }
    timespec pause{0, 10'000'000};
    nanosleep(&pause, nullptr);
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: xdnd_drop WINDOW_ID X Y FILE...\n");
    return 2;
  }
  display = XOpenDisplay(nullptr);
  if (!display) {
    std::fprintf(stderr, "xdnd_drop: no display\n");
    return 1;
  }
  target = static_cast<Window>(std::strtoul(argv[1], nullptr, 0));
  long x = std::atol(argv[2]), y = std::atol(argv[3]);
  std::string uris;
  for (int i = 4; i < argc; ++i) uris += std::string("file://") + argv[i] + "\r\n";

  source = XCreateSimpleWindow(display, DefaultRootWindow(display), 0, 0, 1, 1, 0, 0, 0);
  XSetSelectionOwner(display, atom("XdndSelection"), source, CurrentTime);
  Atom uri_list = atom("text/uri-list");
  send("XdndEnter", 5L << 24, static_cast<long>(uri_list), 0, 0);
  send("XdndPosition", 0, (x << 16) | y, CurrentTime, static_cast<long>(atom("XdndActionCopy")));

  XEvent e;
  bool dropped = false;
  while (next_event(e, 5)) {
    if (e.type == ClientMessage && e.xclient.message_type == atom("XdndStatus")) {
      if (!(e.xclient.data.l[1] & 1)) {
        std::fprintf(stderr, "xdnd_drop: the window does not accept the drop\n");
        send("XdndLeave", 0, 0, 0, 0);
        return 1;
      }
      if (!dropped) send("XdndDrop", 0, CurrentTime, 0, 0);
      dropped = true;
    } else if (e.type == SelectionRequest) {
      // The target asks for the data: the file list, as text/uri-list.
      XSelectionRequestEvent& r = e.xselectionrequest;
      XEvent reply{};
      reply.xselection.type = SelectionNotify;
      reply.xselection.requestor = r.requestor;
      reply.xselection.selection = r.selection;
      reply.xselection.target = r.target;
      reply.xselection.time = r.time;
      reply.xselection.property = None;
      if (r.target == uri_list) {
        XChangeProperty(display, r.requestor, r.property, uri_list, 8, PropModeReplace,
                        reinterpret_cast<const unsigned char*>(uris.data()),
                        static_cast<int>(uris.size()));
        reply.xselection.property = r.property;
      }
      XSendEvent(display, r.requestor, False, NoEventMask, &reply);
      XFlush(display);
    } else if (e.type == ClientMessage && e.xclient.message_type == atom("XdndFinished")) {
      XCloseDisplay(display);
      return 0;
    }
  }
  std::fprintf(stderr, "xdnd_drop: no answer from window 0x%lx\n", target);
  return 1;
}
