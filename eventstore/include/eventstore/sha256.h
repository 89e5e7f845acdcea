// SHA-256 (OpenSSL) for the hash chain and request fingerprints.
// Thread-safety: Sha256 objects are not shared; the free functions are thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace proeftuin::eventstore {

using Digest = std::array<uint8_t, 32>;

// An incremental SHA-256. Reusable: Finish() resets it for the next message.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view bytes);
  void Update(const Digest& d);
  Digest Finish();

 private:
  void* ctx_;  // SHA256_CTX, kept opaque so OpenSSL headers stay out of users.
};

// SHA-256 of one message.
Digest Sha256Of(std::string_view bytes);

// The digest of the empty string (personal digest of an event without personal data).
const Digest& EmptyDigest();

// 32 zero bytes: hash[0] of the chain.
inline constexpr Digest kZeroDigest{};

// Lowercase hex (64 characters) and back; FromHex fails on anything but 64 hex digits.
std::string ToHex(const Digest& d);
bool FromHex(std::string_view hex, Digest* out);

inline std::string_view AsStringView(const Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

}  // namespace proeftuin::eventstore
