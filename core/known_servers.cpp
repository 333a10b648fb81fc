#include "core/known_servers.hpp"

#include <cctype>

namespace voixer::core {

namespace {

std::string normalized(std::string_view address) {
  std::string out(address);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

KnownServers KnownServers::parse(std::string_view text, std::vector<std::string>* warnings) {
  KnownServers known;
  int number = 0;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = trimmed(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++number;
    if (line.empty() || line.front() == '#') continue;
    std::size_t space = line.find_first_of(" \t");
    std::optional<PublicKey> key;
    std::string_view address = line.substr(0, space);
    if (space != std::string_view::npos) key = key_from_hex(trimmed(line.substr(space)));
    if (!key || address.find(':') == std::string_view::npos) {
      if (warnings)
        warnings->push_back("known servers, line " + std::to_string(number) +
                            ": expected 'host:port <64 hex digits>'");
      continue;
    }
    known.pin(address, *key);
  }
  return known;
}

std::string KnownServers::format() const {
  std::string out = "# Servers this client has met, and the identity each showed (voixer)\n";
  for (const auto& [address, key] : m_pins) out += address + " " + key_hex(key) + "\n";
  return out;
}

std::optional<PublicKey> KnownServers::lookup(std::string_view address) const {
  auto it = m_pins.find(normalized(address));
  if (it == m_pins.end()) return std::nullopt;
  return it->second;
}

void KnownServers::pin(std::string_view address, const PublicKey& key) {
  m_pins[normalized(address)] = key;
}

}  // namespace voixer::core
