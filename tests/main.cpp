// doctest's main, in a file of its own because it is slow to compile.
//
// Every test process gets configuration, data, cache and download
// directories of its own
// (and so do the voixer processes it starts): what a client remembers of
// the servers it met, and a server's identity, never leak from one test
// into another, nor into the home directory of whoever runs the tests.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

int main(int argc, char** argv) {
  char dir[] = "/tmp/voixer-test-XXXXXX";
  bool own_dirs = mkdtemp(dir) != nullptr;
  if (own_dirs) {
    setenv("XDG_CONFIG_HOME", (std::string(dir) + "/config").c_str(), 1);
    setenv("XDG_DATA_HOME", (std::string(dir) + "/data").c_str(), 1);
    setenv("XDG_CACHE_HOME", (std::string(dir) + "/cache").c_str(), 1);
    setenv("XDG_DOWNLOAD_DIR", (std::string(dir) + "/downloads").c_str(), 1);
  }
  doctest::Context context(argc, argv);
  int result = context.run();
  if (own_dirs) {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  return result;
}
