// Random (version 4) UUIDs for event ids and store ids. Not thread-safe: one per thread.
#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace proeftuin::eventstore {

class UuidGenerator {
 public:
  UuidGenerator() : rng_(std::random_device{}() ^ (uint64_t{std::random_device{}()} << 32)) {}
  std::string Next() {
    uint64_t hi = rng_(), lo = rng_();
    hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
    lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122 variant
    static constexpr char kHex[] = "0123456789abcdef";
    std::string s(36, '-');
    int p = 0;
    for (int i = 0; i < 32; ++i) {
      if (i == 8 || i == 12 || i == 16 || i == 20) ++p;
      uint64_t word = i < 16 ? hi : lo;
      int shift = 60 - 4 * (i % 16);
      s[p++] = kHex[(word >> shift) & 0xf];
    }
    return s;
  }

 private:
  std::mt19937_64 rng_;
};

}  // namespace proeftuin::eventstore
