#include "app/settings.hpp"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/names.hpp"
#include "core/settings_text.hpp"
#include "platform/files.hpp"

namespace voixer::app {

namespace {

std::string os_user_nickname() {
  std::string name;
  if (const char* u = std::getenv("USER"); u && *u) name = u;
  if (name.empty())
    if (passwd* pw = getpwuid(getuid())) name = pw->pw_name;
  std::string nick;
  for (char c : name)
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-') nick += c;
  if (nick.size() > core::kMaxNicknameLength) nick.resize(core::kMaxNicknameLength);
  return nick.empty() ? "player" : nick;
}

const char* mode_name(audio::InputMode m) {
  switch (m) {
    case audio::InputMode::VoiceActivation: return "voice-activation";
    case audio::InputMode::PushToTalk: return "push-to-talk";
    case audio::InputMode::AlwaysOn: return "always-on";
  }
  return "voice-activation";
}

}  // namespace

void AppSettings::remember_server(const std::string& address) {
  recent.erase(std::remove(recent.begin(), recent.end(), address), recent.end());
  recent.insert(recent.begin(), address);
  if (recent.size() > 8) recent.resize(8);
}

std::string default_settings_path() {
  return (std::filesystem::path(platform::config_dir()) / "voixer.conf").string();
}

AppSettings load_settings(const std::string& path, std::vector<std::string>* warnings) {
  AppSettings s;
  s.nickname = os_user_nickname();
  std::ifstream in(path);
  if (!in) return s;
  std::stringstream buf;
  buf << in.rdbuf();
  auto t = core::parse_settings(buf.str());
  if (warnings)
    for (const auto& p : t.problems) warnings->push_back(path + ": " + p);
  if (auto n = t.get("nickname"); core::check_nickname(n).empty()) s.nickname = n;
  s.recent = t.all("recent");
  if (s.recent.size() > 8) s.recent.resize(8);
  auto number = [&](const char* key, double fallback, double lo, double hi) {
    std::string v = t.get(key);
    char* end = nullptr;
    double d = std::strtod(v.c_str(), &end);
    if (v.empty() || *end || d < lo || d > hi) return fallback;
    return d;
  };
  s.host_port = static_cast<int>(number("host_port", s.host_port, 1, 65535));
  s.input_device = t.get("input_device");
  s.output_device = t.get("output_device");
  std::string mode = t.get("input_mode", mode_name(s.input_mode));
  if (mode == "push-to-talk") s.input_mode = audio::InputMode::PushToTalk;
  if (mode == "always-on") s.input_mode = audio::InputMode::AlwaysOn;
  s.activation_level = static_cast<float>(number("activation_level", s.activation_level, 0, 1));
  s.noise_suppression = t.get("noise_suppression", "on") != "off";
  s.echo_cancellation = t.get("echo_cancellation", "on") == "on";
  s.frame_ms = number("frame_ms", 20, 10, 20) == 10 ? 10 : 20;
  s.low_delay = t.get("low_delay", "off") == "on";
  s.ptt_key = t.get("ptt_key", s.ptt_key);
  s.flash_on_mention = t.get("flash_on_mention", "on") != "off";
  s.notify_desktop = t.get("notify_desktop", "on") != "off";
  return s;
}

std::string save_settings(const std::string& path, const AppSettings& s) {
  std::vector<std::pair<std::string, std::string>> e;
  e.emplace_back("nickname", s.nickname);
  for (const auto& r : s.recent) e.emplace_back("recent", r);
  e.emplace_back("host_port", std::to_string(s.host_port));
  e.emplace_back("input_device", s.input_device);
  e.emplace_back("output_device", s.output_device);
  e.emplace_back("input_mode", mode_name(s.input_mode));
  e.emplace_back("activation_level", std::to_string(s.activation_level));
  e.emplace_back("noise_suppression", s.noise_suppression ? "on" : "off");
  e.emplace_back("echo_cancellation", s.echo_cancellation ? "on" : "off");
  e.emplace_back("frame_ms", std::to_string(s.frame_ms));
  e.emplace_back("low_delay", s.low_delay ? "on" : "off");
  e.emplace_back("ptt_key", s.ptt_key);
  e.emplace_back("flash_on_mention", s.flash_on_mention ? "on" : "off");
  e.emplace_back("notify_desktop", s.notify_desktop ? "on" : "off");
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  std::ofstream out(path, std::ios::trunc);
  if (!out) return "cannot write " + path;
  out << core::format_settings(e);
  return out ? "" : "cannot write " + path;
}

}  // namespace voixer::app
