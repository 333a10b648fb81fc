// Free ports on 127.0.0.1 for tests and benchmarks: below the kernel's
// ephemeral range, free for both TCP and UDP when chosen (see ports.cpp).
#pragma once

#include <cstdint>

namespace voixer::test {

std::uint16_t free_tcp_port();
std::uint16_t free_udp_port();

}  // namespace voixer::test
