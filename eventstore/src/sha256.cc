// OpenSSL's low-level SHA256_Init/Update/Final are deprecated in 3.0 in favour of EVP, but EVP
// (and the one-shot SHA256(), which uses it) costs ~0.2-0.9 us per message in provider
// dispatch, which dominates for the ~300-byte inputs of the hash chain (Verify must reach 1M
// events/s). Both run the same SHA-NI code.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "eventstore/sha256.h"

#include <openssl/sha.h>

namespace proeftuin::eventstore {
namespace {

SHA256_CTX* Ctx(void* p) { return static_cast<SHA256_CTX*>(p); }

}  // namespace

Sha256::Sha256() : ctx_(new SHA256_CTX) { SHA256_Init(Ctx(ctx_)); }

Sha256::~Sha256() { delete Ctx(ctx_); }

void Sha256::Update(std::string_view bytes) { SHA256_Update(Ctx(ctx_), bytes.data(), bytes.size()); }

void Sha256::Update(const Digest& d) { SHA256_Update(Ctx(ctx_), d.data(), d.size()); }

Digest Sha256::Finish() {
  Digest out;
  SHA256_Final(out.data(), Ctx(ctx_));
  SHA256_Init(Ctx(ctx_));
  return out;
}

Digest Sha256Of(std::string_view bytes) {
  // Not OpenSSL's one-shot SHA256(): in OpenSSL 3 it goes through EVP and fetches the
  // algorithm on every call.
  thread_local Sha256 h;
  h.Update(bytes);
  return h.Finish();
}

const Digest& EmptyDigest() {
  static const Digest d = Sha256Of({});
  return d;
}

std::string ToHex(const Digest& d) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(64, '0');
  for (size_t i = 0; i < d.size(); ++i) {
    s[2 * i] = kHex[d[i] >> 4];
    s[2 * i + 1] = kHex[d[i] & 0xf];
  }
  return s;
}

bool FromHex(std::string_view hex, Digest* out) {
  if (hex.size() != 64) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < 32; ++i) {
    int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    (*out)[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

}  // namespace proeftuin::eventstore
