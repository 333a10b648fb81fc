// A desktop notification service for tests: owns
// org.freedesktop.Notifications on the session bus it is given (GIO), and
// prints every notification it receives to stdout as one line,
// "NOTIFY <app name>|<summary>|<body>", so a test can wait for what
// arrived. Prints "READY" once it owns the name.
#include <gio/gio.h>

#include <cstdio>

namespace {

const char* const kInterface = R"(
<node>
  <interface name="org.freedesktop.Notifications">
    <method name="GetServerInformation">
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
    </method>
    <method name="GetCapabilities"><arg type="as" direction="out"/></method>
    <method name="Notify">
      <arg type="s" direction="in"/><arg type="u" direction="in"/>
      <arg type="s" direction="in"/><arg type="s" direction="in"/>
      <arg type="s" direction="in"/><arg type="as" direction="in"/>
      <arg type="a{sv}" direction="in"/><arg type="i" direction="in"/>
      <arg type="u" direction="out"/>
    </method>
    <method name="CloseNotification"><arg type="u" direction="in"/></method>
  </interface>
</node>)";

GDBusNodeInfo* g_node = nullptr;
guint g_next_id = 1;

void on_call(GDBusConnection*, const gchar*, const gchar*, const gchar*, const gchar* method,
             GVariant* params, GDBusMethodInvocation* call, gpointer) {
  if (g_strcmp0(method, "GetServerInformation") == 0) {
    g_dbus_method_invocation_return_value(call, g_variant_new("(ssss)", "test", "voixer", "1", "1.2"));
  } else if (g_strcmp0(method, "GetCapabilities") == 0) {
    const gchar* caps[] = {"body", nullptr};
    g_dbus_method_invocation_return_value(call, g_variant_new("(^as)", caps));
  } else if (g_strcmp0(method, "Notify") == 0) {
    const gchar *app = nullptr, *icon = nullptr, *summary = nullptr, *body = nullptr;
    guint32 replaces = 0;
    g_variant_get_child(params, 0, "&s", &app);
    g_variant_get_child(params, 1, "u", &replaces);
    g_variant_get_child(params, 2, "&s", &icon);
    g_variant_get_child(params, 3, "&s", &summary);
    g_variant_get_child(params, 4, "&s", &body);
    std::printf("NOTIFY %s|%s|%s\n", app, summary, body);
    std::fflush(stdout);
    g_dbus_method_invocation_return_value(call, g_variant_new("(u)", g_next_id++));
  } else {
    g_dbus_method_invocation_return_value(call, nullptr);
  }
}

const GDBusInterfaceVTable kVtable = {on_call, nullptr, nullptr, {}};

void on_bus(GDBusConnection* bus, const gchar*, gpointer) {
  g_dbus_connection_register_object(bus, "/org/freedesktop/Notifications", g_node->interfaces[0],
                                    &kVtable, nullptr, nullptr, nullptr);
}

void on_name(GDBusConnection*, const gchar*, gpointer) {
  std::printf("READY\n");
  std::fflush(stdout);
}

void on_lost(GDBusConnection*, const gchar*, gpointer loop) {
  g_main_loop_quit(static_cast<GMainLoop*>(loop));
}

}  // namespace

int main() {
  g_node = g_dbus_node_info_new_for_xml(kInterface, nullptr);
  GMainLoop* loop = g_main_loop_new(nullptr, FALSE);
  g_bus_own_name(G_BUS_TYPE_SESSION, "org.freedesktop.Notifications", G_BUS_NAME_OWNER_FLAGS_NONE,
                 on_bus, on_name, on_lost, loop, nullptr);
  g_main_loop_run(loop);
  return 1;  // the bus went away, or the name was taken
}
