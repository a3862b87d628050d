#pragma once
// CRC-32 (IEEE 802.3, as zlib computes it), to find a record torn by a power cut.
#include <cstddef>
#include <cstdint>

namespace door::port {

uint32_t crc32(const void* data, std::size_t length);

}  // namespace door::port
