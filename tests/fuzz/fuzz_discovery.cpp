// Fuzz target: what a stranger on the LAN can send or make a client read
// from a file: discovery queries and answers, server names, the known
// servers file, web links in a line. Each parser either refuses or gives
// something that writes back to the same thing; no answer is ever larger
// than a query.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/discovery.hpp"
#include "core/known_servers.hpp"
#include "core/links.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace voixer::core;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto nonce = parse_query(in); nonce && format_query(*nonce) != in) std::abort();
  if (auto a = parse_announcement(in)) {
    std::string again = format_announcement(*a);
    if (again.size() > kDiscoveryDatagram || parse_announcement(again) != a) std::abort();
  }
  std::string name = clean_server_name(in);
  if (name.size() > kMaxServerNameBytes || clean_server_name(name) != name) std::abort();
  auto known = KnownServers::parse(in);
  if (KnownServers::parse(known.format()).format() != known.format()) std::abort();
  for (const auto& l : find_links(in)) {
    if (l.start + l.length > in.size()) std::abort();
    std::string_view link = in.substr(l.start, l.length);
    if (link.find(' ') != std::string_view::npos) std::abort();
  }
  return 0;
}
