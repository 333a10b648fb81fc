#include "support/speech.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace voixer::test {

bool make_speech(const std::string& path, const std::string& text, double lead_s,
                 double tail_s) {
  std::string raw = path + ".espeak.wav";
  std::string cmd = "espeak-ng -s 150 -w '" + raw + "' '" + text + "' && sox '" + raw +
                    "' -r 48000 -c 1 -b 16 '" + path + "' pad " + std::to_string(lead_s) + " " +
                    std::to_string(tail_s) + " 2>/dev/null";
  return std::system(cmd.c_str()) == 0;
}

std::string temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("voixer-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

}  // namespace voixer::test
