#include "eventstore/sha256.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace proeftuin::eventstore {
namespace {

const EVP_MD* Md() {
  // Fetched once: EVP_MD_fetch avoids the per-call provider lookup of EVP_sha256().
  static const EVP_MD* md = [] {
    EVP_MD* m = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (m == nullptr) std::abort();  // OpenSSL without SHA-256: nothing can work.
    return m;
  }();
  return md;
}

EVP_MD_CTX* Ctx(void* p) { return static_cast<EVP_MD_CTX*>(p); }

}  // namespace

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr || EVP_DigestInit_ex2(Ctx(ctx_), Md(), nullptr) != 1) std::abort();
}

Sha256::~Sha256() { EVP_MD_CTX_free(Ctx(ctx_)); }

void Sha256::Update(std::string_view bytes) {
  EVP_DigestUpdate(Ctx(ctx_), bytes.data(), bytes.size());
}

void Sha256::Update(const Digest& d) { EVP_DigestUpdate(Ctx(ctx_), d.data(), d.size()); }

Digest Sha256::Finish() {
  Digest out;
  unsigned int len = 0;
  EVP_DigestFinal_ex(Ctx(ctx_), out.data(), &len);
  EVP_DigestInit_ex2(Ctx(ctx_), Md(), nullptr);
  return out;
}

Digest Sha256Of(std::string_view bytes) {
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
