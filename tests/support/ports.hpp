// Free ports on 127.0.0.1 for tests and benchmarks (bound, then released).
#pragma once

#include <cstdint>

namespace voixer::test {

std::uint16_t free_tcp_port();
std::uint16_t free_udp_port();

}  // namespace voixer::test
