// The protocol-buffers wire format, read as protobuf 3.21's parser reads it, for the scans
// that read stored bytes without the parser (eventstore/src/record.cc: a header's place;
// services/domain/fold_decode.cc: an event's counts). Header-only: the domain includes it
// without linking the store.
//
// Thread-safety: pure functions.
#pragma once

#include <climits>
#include <cstdint>
#include <string_view>

namespace proeftuin::eventstore::wire {

// A varint value: at most ten bytes, the bits past the 64th dropped. On success `in` starts
// after it; on failure `in` is unspecified.
inline bool ReadVarint(std::string_view& in, uint64_t* v) {
  const auto* b = reinterpret_cast<const uint8_t*>(in.data());
  const size_t n = in.size() < 10 ? in.size() : 10;
  uint64_t r = 0;
  for (size_t i = 0; i < n; ++i) {
    r |= uint64_t{b[i] & 0x7fu} << (7 * i);
    if (b[i] < 0x80) {
      *v = r;
      in.remove_prefix(i + 1);
      return true;
    }
  }
  return false;
}

// The length of a length-delimited field, as protobuf reads one (ReadSize): at most five
// bytes, the fifth below 8, and not within 16 bytes of INT_MAX. (A value varint may take ten
// bytes; a length written in more than five, which protobuf rejects, is not one.)
inline bool ReadLength(std::string_view& in, uint64_t* length) {
  if (!in.empty() && static_cast<uint8_t>(in.front()) < 0x80) {  // one byte: most of them
    *length = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    return true;
  }
  const auto* b = reinterpret_cast<const uint8_t*>(in.data());
  const size_t n = in.size() < 5 ? in.size() : 5;
  uint64_t r = 0;
  for (size_t i = 0; i < n; ++i) {
    if (i == 4 && b[i] >= 8) return false;
    r |= uint64_t{b[i] & 0x7fu} << (7 * i);
    if (b[i] < 0x80) {
      if (r > static_cast<uint64_t>(INT_MAX - 16)) return false;
      *length = r;
      in.remove_prefix(i + 1);
      return true;
    }
  }
  return false;
}

}  // namespace proeftuin::eventstore::wire
