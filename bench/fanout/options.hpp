// The fan-out benchmark's command line: what to run against and how hard.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace voixer::bench {

struct Options {
  std::string server_path;               // --server
  std::vector<std::string> server_args;  // --server-arg (repeatable)
  std::string server_log;                // --server-log
  int port = 0;                          // --port (with --server)
  std::string connect_host;              // --connect HOST:PORT
  std::string connect_port;
  pid_t server_pid = 0;  // --server-pid
  int clients = 200;
  int senders = 20;
  double rate = 2000;  // total messages/s; 0 = flat out
  double seconds = 10;
  double warmup = 1;
  int payload = 32;
  int window = 64;
  std::string channel = "#bench";
  std::string nick_prefix = "b";
  double setup_timeout = 30;
  double drain_timeout = 5;
  bool irc = false;       // --irc: speak IRC to an IRC server (with --connect)
  bool lan = false;       // --lan: a loopback address per client, the server at its defaults
  bool quickack = false;  // --quickack: acknowledge every read at once, as chat clients do
};

// Reads the command line; throws UsageError with a sentence for a person.
Options parse_args(int argc, char** argv);

}  // namespace voixer::bench
