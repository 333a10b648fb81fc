#include "app/serve.hpp"

#include <chrono>
#include <limits>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "app/args.hpp"
#include "core/file_names.hpp"
#include "net/chat_server.hpp"
#include "platform/files.hpp"
#include "platform/host.hpp"
#include "platform/identity_file.hpp"

namespace voixer::app {

const char* const kServeHelp =
    "usage: voixer serve [options]\n"
    "Run the Voixer server without a window.\n"
    "\n"
    "  --port N               TCP port for the text protocol (default 8649);\n"
    "                         voice uses the same number on UDP\n"
    "  --bind ADDR            address to listen on (default 0.0.0.0, all)\n"
    "  --ping-interval S      seconds of quiet before the server PINGs (default 30)\n"
    "  --ping-timeout S       seconds a client has to answer a PING (default 150)\n"
    "  --handshake-timeout S  seconds a new connection has to CONNECT (default 10)\n"
    "  --ring-timeout S       seconds before an unanswered call ends (default 30)\n"
    "  --flood-rate R         lines per second a client may send, sustained;\n"
    "                         0 turns flood control off (default 10)\n"
    "  --flood-burst B        lines a client may send at once (default 30)\n"
    "  --max-clients N        users logged in at once (default 5000; the limit of\n"
    "                         open files is raised to allow them)\n"
    "  --max-per-address N    connections from one address (default 32; 0: no cap)\n"
    "  --max-pending N        connections waiting to log in, in all; when full the\n"
    "                         one waiting longest is closed (default 64)\n"
    "  --max-pending-per-address N\n"
    "                         connections waiting to log in from one address (default 8)\n"
    "  --max-voice-per-address N\n"
    "                         voice (UDP) peers from one address (default 4; 0: no cap)\n"
    "  --password PW          clients must give this password with CONNECT\n"
    "  --operator-password PW OPER with it lets a client KICK and BAN users\n"
    "  --history N            messages per channel replayed on JOIN (default 50)\n"
    "  --history-days N       keep channel and private history N days (default 0:\n"
    "                         for ever); it is kept in DIR/history.sqlite3\n"
    "  --no-history-file      keep history in memory only (lost on restart)\n"
    "  --coalesce-ms MS       least time between two rounds of writes; under load\n"
    "                         lines for a client are batched over it (default 1.5)\n"
    "  --data-dir DIR         where the server keeps its identity and shared files\n"
    "                         (default $XDG_DATA_HOME/voixer, else\n"
    "                         ~/.local/share/voixer; files in DIR/files)\n"
    "  --files-quota SIZE     room for shared files, e.g. 500MB, 20GB; 0: no files\n"
    "                         (default 4GB)\n"
    "  --require-encryption   refuse plain (seed protocol) clients such as nc with\n"
    "                         one ERROR ENCRYPTIONREQUIRED line; voixer's own clients\n"
    "                         are always sealed\n"
    "  --name NAME            the server's name in LAN lists (default: the host name)\n"
    "  --no-discovery         do not answer LAN discovery (voixer lan, start screens)\n"
    "  --discovery-port N     UDP port of LAN discovery (default 8648)\n"
    "  --quiet                do not log connections to stderr\n"
    "  --help                 this text\n";

int run_serve(const std::vector<std::string>& argv) {
  Args args(argv,
            {"--port", "--bind", "--ping-interval", "--ping-timeout", "--handshake-timeout",
             "--ring-timeout", "--flood-rate", "--flood-burst", "--max-clients", "--history",
             "--coalesce-ms", "--max-per-address", "--password", "--operator-password",
             "--max-pending", "--max-pending-per-address", "--max-voice-per-address", "--data-dir", "--name", "--discovery-port", "--files-quota",
             "--history-days"},
            {"--quiet", "--help", "--require-encryption", "--no-discovery", "--no-history-file"});
  if (args.has("--help")) {
    std::cout << kServeHelp;
    return 0;
  }
  core::ServerConfig config;
  net::ChatServerOptions options;
  options.port = static_cast<std::uint16_t>(args.number("--port", core::kDefaultPort, 0, 65535));
  options.bind_address = args.value("--bind").value_or("0.0.0.0");
  auto seconds = [&](const char* name, core::Millis fallback_ms) {
    return static_cast<core::Millis>(
        args.number(name, static_cast<double>(fallback_ms) / 1000.0, 0.001, 86400) * 1000.0);
  };
  config.ping_interval = seconds("--ping-interval", config.ping_interval);
  config.ping_timeout = seconds("--ping-timeout", config.ping_timeout);
  config.handshake_timeout = seconds("--handshake-timeout", config.handshake_timeout);
  config.ring_timeout = seconds("--ring-timeout", config.ring_timeout);
  config.flood_rate = args.number("--flood-rate", config.flood_rate, 0, 1e9);
  config.flood_burst = args.number("--flood-burst", config.flood_burst, 1, 1e9);
  config.max_clients = static_cast<std::size_t>(
      args.number("--max-clients", static_cast<double>(config.max_clients), 1, 100000));
  config.max_per_address = static_cast<std::size_t>(
      args.number("--max-per-address", static_cast<double>(config.max_per_address), 0, 100000));
  config.max_pending = static_cast<std::size_t>(
      args.number("--max-pending", static_cast<double>(config.max_pending), 1, 100000));
  config.max_pending_per_address = static_cast<std::size_t>(args.number(
      "--max-pending-per-address", static_cast<double>(config.max_pending_per_address), 1, 100000));
  options.voice_limits.max_peers_per_address = static_cast<std::size_t>(args.number(
      "--max-voice-per-address", static_cast<double>(options.voice_limits.max_peers_per_address), 0,
      100000));
  if (options.voice_limits.max_peers_per_address == 0)
    options.voice_limits.max_peers_per_address = std::numeric_limits<std::size_t>::max();
  config.password = args.value("--password").value_or("");
  config.operator_password = args.value("--operator-password").value_or("");
  config.history_length = static_cast<std::size_t>(
      args.number("--history", static_cast<double>(config.history_length), 0, 10000));
  options.history_days = static_cast<int>(args.number("--history-days", 0, 0, 100000));
  options.coalesce_us =
      static_cast<long>(args.number("--coalesce-ms", options.coalesce_us / 1000.0, 0, 100) * 1000.0);
  auto discovery_port = static_cast<std::uint16_t>(
      args.number("--discovery-port", core::kDiscoveryPort, 1, 65535));
  if (!args.positional().empty() && args.error().empty()) {
    std::cerr << "voixer serve: unexpected argument '" << args.positional()[0] << "'\n";
    return 2;
  }
  if (!args.error().empty()) {
    std::cerr << "voixer serve: " << args.error() << "\n";
    return 2;
  }
  options.require_encryption = args.has("--require-encryption");
  std::string data_dir = args.value("--data-dir").value_or(platform::data_dir());
  std::string identity_error;
  options.identity = platform::load_or_create_identity(data_dir, identity_error);
  if (!options.identity) {
    std::cerr << "voixer serve: " << identity_error << "\n";
    return 1;
  }
  auto quota = core::parse_size(args.value("--files-quota").value_or("4GB"));
  if (!quota) {
    std::cerr << "voixer serve: --files-quota must be a size such as 500MB or 20GB, not '"
              << *args.value("--files-quota") << "'\n";
    return 2;
  }
  config.files_quota = *quota;
  options.files_directory = (std::filesystem::path(data_dir) / "files").string();
  if (!args.has("--no-history-file"))
    options.history_path = (std::filesystem::path(data_dir) / "history.sqlite3").string();
  config.hostname = platform::host_name();
  if (!args.has("--no-discovery")) {
    net::DiscoveryOptions discovery;
    discovery.port = discovery_port;
    discovery.name = core::clean_server_name(args.value("--name").value_or(config.hostname));
    if (discovery.name.empty()) discovery.name = config.hostname;
    options.discovery = discovery;
  }
  config.wall_clock_offset =
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count();
  if (!args.has("--quiet")) {
    options.log = [](const std::string& line) { std::cerr << "voixer: " << line << "\n"; };
  }

  // One descriptor per connection, plus pending ones, files and the rest.
  std::size_t open_files = platform::raise_open_files_limit();
  std::size_t wanted = config.max_clients + config.max_pending + 64;
  if (open_files < wanted)
    std::cerr << "voixer: warning: this process may open only " << open_files
              << " files, fewer than --max-clients " << config.max_clients
              << " needs; raise the hard limit (ulimit -Hn) or lower --max-clients\n";

  asio::io_context io;
  try {
    net::ChatServer server(io, config, options);
    std::cerr << "voixer: serving on " << options.bind_address << ":" << server.port()
              << " (TCP text, UDP voice)\n"
              << "voixer: identity " << core::fingerprint_words(options.identity->public_key)
              << (options.require_encryption ? " (sealed connections only)" : "") << "\n";
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](asio::error_code ec, int) {
      if (ec) return;
      std::cerr << "voixer: shutting down\n";
      server.shutdown("Server is shutting down");
    });
    io.run();
  } catch (const std::exception& e) {
    std::cerr << "voixer serve: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace voixer::app
