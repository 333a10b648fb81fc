// This machine's LAN addresses, to show friends where to connect.
#pragma once

#include <string>
#include <vector>

namespace voixer::net {

// IPv4 addresses of the interfaces that are up, loopback excluded.
std::vector<std::string> lan_addresses();

}  // namespace voixer::net
