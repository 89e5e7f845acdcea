// libFuzzer target: decoding stored event records (bytes read from disk are untrusted).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "eventstore/record.h"
#include "proeftuin/v1/store.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto r = proeftuin::eventstore::DecodeRecord(bytes);
  if (!r.ok()) return 0;
  proeftuin::v1::EventHeader header;
  if (header.ParseFromArray(r->header_bytes.data(), static_cast<int>(r->header_bytes.size()))) {
    (void)header.stream().size();
  }
  (void)proeftuin::eventstore::RecomputeHash(proeftuin::eventstore::kZeroDigest, *r);
  return 0;
}
