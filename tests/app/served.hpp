// `voixer serve` as a child process, for the end-to-end tests.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "net/test_client.hpp"
#include "support/process.hpp"

namespace {

const std::string kExe = VOIXER_EXE;

// `voixer serve` on a free port, ready when it has printed its banner.
struct Served {
  std::uint16_t port;
  voixer::test::Process process;
  explicit Served(std::vector<std::string> extra = {}, std::uint16_t at = voixer::test::free_port())
      : port(at), process(args(port, std::move(extra))) {
    // The banner is printed after the socket listens.
    std::string err;
    for (int i = 0; i < 100 && err.find("serving on") == std::string::npos; ++i)
      err = process.stderr_text(50);
    REQUIRE_MESSAGE(err.find("serving on") != std::string::npos, "server did not start: " << err);
  }
  static std::vector<std::string> args(std::uint16_t port, std::vector<std::string> extra) {
    std::vector<std::string> a = {kExe, "serve", "--bind", "127.0.0.1", "--port",
                                  std::to_string(port)};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
};

}  // namespace
