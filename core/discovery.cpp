#include "core/discovery.hpp"

#include <algorithm>
#include <charconv>

#include "core/names.hpp"
#include "core/unicode.hpp"

namespace voixer::core {

namespace {

constexpr std::string_view kQueryHead = "VOIXER? 1 ";
constexpr std::string_view kAnswerHead = "VOIXER! 1 ";
constexpr std::size_t kNonceDigits = 16;

bool is_nonce(std::string_view s) {
  return s.size() == kNonceDigits &&
         std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool is_hex_key(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// Which of a server's addresses to show: one a friend can use first.
int address_rank(const std::string& ip) {
  bool v6 = ip.find(':') != std::string::npos;
  if (ip.starts_with("127.") || ip == "::1") return 3;
  if (v6 && ip.starts_with("fe80")) return 2;
  return v6 ? 1 : 0;
}

template <class T>
bool number(std::string_view s, T& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

// Splits off the text up to `sep`; false when there is none.
bool cut(std::string_view& rest, char sep, std::string_view& piece) {
  std::size_t at = rest.find(sep);
  if (at == std::string_view::npos) return false;
  piece = rest.substr(0, at);
  rest.remove_prefix(at + 1);
  return true;
}

bool fail(std::string* error, std::string why) {
  if (error) *error = std::move(why);
  return false;
}

}  // namespace

std::string format_query(std::string_view nonce) {
  std::string q = std::string(kQueryHead) + std::string(nonce) + "\n";
  q.resize(kDiscoveryDatagram, '\0');
  return q;
}

std::optional<std::string> parse_query(std::string_view d, std::string* error) {
  if (d.size() != kDiscoveryDatagram) {
    fail(error, "a query is " + std::to_string(kDiscoveryDatagram) + " bytes, not " +
                    std::to_string(d.size()));
    return std::nullopt;
  }
  std::string_view nonce;
  if (!d.starts_with(kQueryHead) || (d.remove_prefix(kQueryHead.size()), !cut(d, '\n', nonce)) ||
      !is_nonce(nonce) || d.find_first_not_of('\0') != std::string_view::npos) {
    fail(error, "not a voixer query");
    return std::nullopt;
  }
  return std::string(nonce);
}

std::string clean_server_name(std::string_view name) {
  std::string out;
  std::size_t i = 0;
  while (i < name.size()) {
    std::size_t start = i;
    auto cp = next_code_point(name, i);
    if (!cp) continue;  // invalid bytes are dropped
    CharTrouble t = char_trouble(*cp);
    if (t == CharTrouble::Space) {
      out += ' ';
    } else if (t == CharTrouble::None || (t == CharTrouble::Invisible && text_may_carry(*cp))) {
      if (out.size() + (i - start) > kMaxServerNameBytes) break;
      out.append(name.substr(start, i - start));
    }
  }
  auto first = out.find_first_not_of(' ');
  if (first == std::string::npos) return {};
  return out.substr(first, out.find_last_not_of(' ') - first + 1);
}

std::string format_announcement(const ServerAnnouncement& a) {
  std::string host = check_nickname(a.host).empty() ? a.host : std::string();
  std::string out = std::string(kAnswerHead) + a.nonce + " " + std::to_string(a.port) + " " +
                    std::to_string(a.users) + (a.locked ? " locked " : " open ") +
                    (a.identity.empty() ? "-" : a.identity) + "\n" +
                    clean_server_name(a.name) + "\n" + host + "\n";
  return out;  // 10 + 16 + 6 + 21 + 8 + 65 + 64 + 1 + 32 + 1 < 256
}

std::optional<ServerAnnouncement> parse_announcement(std::string_view d, std::string* error) {
  ServerAnnouncement a;
  std::string_view nonce, port, users, lock, identity, name, host;
  if (d.size() > kDiscoveryDatagram || !d.starts_with(kAnswerHead)) {
    fail(error, "not a voixer answer");
    return std::nullopt;
  }
  d.remove_prefix(kAnswerHead.size());
  if (!cut(d, ' ', nonce) || !cut(d, ' ', port) || !cut(d, ' ', users) || !cut(d, ' ', lock) ||
      !cut(d, '\n', identity) || (identity != "-" && !is_hex_key(identity)) ||
      !cut(d, '\n', name) || !cut(d, '\n', host) || !d.empty() || !is_nonce(nonce) ||
      !number(port, a.port) || a.port == 0 || !number(users, a.users) ||
      (lock != "open" && lock != "locked") || clean_server_name(name) != name ||
      (!host.empty() && !check_nickname(host).empty())) {
    fail(error, "a malformed voixer answer");
    return std::nullopt;
  }
  a.nonce = nonce;
  a.locked = lock == "locked";
  if (identity != "-") a.identity = identity;
  a.name = name;
  a.host = host;
  return a;
}

std::string LanServer::address() const {
  std::string where = ip.find(':') != std::string::npos ? "[" + ip + "]" : ip;
  return where + ":" + std::to_string(info.port);
}

bool LanServerList::seen(const std::string& ip, const ServerAnnouncement& info, int rtt_ms,
                         Millis now) {
  auto same = [&](const LanServer& s) {
    if (s.info.port != info.port) return false;
    return info.identity.empty() ? s.ip == ip : s.info.identity == info.identity;
  };
  auto it = std::find_if(m_servers.begin(), m_servers.end(), same);
  bool changed = true;
  if (it == m_servers.end()) {
    m_servers.push_back({ip, info, rtt_ms, now});
  } else if (ip != it->ip && address_rank(ip) > address_rank(it->ip)) {
    it->last_seen = now;  // heard again, at an address less useful to show
    changed = false;
  } else {
    changed = it->ip != ip || it->info.name != info.name || it->info.users != info.users ||
              it->info.locked != info.locked || it->info.host != info.host ||
              it->rtt_ms != rtt_ms;
    *it = {ip, info, rtt_ms, now};
  }
  std::stable_sort(m_servers.begin(), m_servers.end(), [](const LanServer& a, const LanServer& b) {
    return a.info.name != b.info.name ? a.info.name < b.info.name : a.address() < b.address();
  });
  return changed;
}

bool LanServerList::expire(Millis now) {
  auto gone = std::remove_if(m_servers.begin(), m_servers.end(), [&](const LanServer& s) {
    return now - s.last_seen > kForgetServerAfterMs;
  });
  bool changed = gone != m_servers.end();
  m_servers.erase(gone, m_servers.end());
  return changed;
}

bool AnswerBudget::take(Bucket& b, double rate, double burst, Millis now) {
  b.tokens = std::min(burst, b.tokens + static_cast<double>(now - b.at) * rate / 1000.0);
  b.at = now;
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

bool AnswerBudget::allow(const std::string& address, Millis now) {
  // One browser sends a query a second per interface; 5 a second with a
  // burst of 10 leaves room for a few browsers behind one address.
  constexpr double kPerAddressRate = 5, kPerAddressBurst = 10;
  constexpr double kAllRate = 500, kAllBurst = 500;
  if (!m_started) {
    m_all = {kAllBurst, now};
    m_started = true;
  }
  if (m_per_address.size() > 4096) m_per_address.clear();  // a storm of forged sources
  auto [it, fresh] = m_per_address.try_emplace(address, Bucket{kPerAddressBurst, now});
  if (!take(it->second, kPerAddressRate, kPerAddressBurst, now)) return false;
  return take(m_all, kAllRate, kAllBurst, now);
}

}  // namespace voixer::core
