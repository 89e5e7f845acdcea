#include "eventstore/record.h"

#include <bit>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "eventstore/wire.h"

namespace proeftuin::eventstore {

void PutBigEndian64(std::string* out, uint64_t v) {
  char b[8];
  for (int i = 7; i >= 0; --i) {
    b[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  out->append(b, 8);
}

void PutBigEndian32(std::string* out, uint32_t v) {
  char b[4];
  for (int i = 3; i >= 0; --i) {
    b[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  out->append(b, 4);
}

uint64_t GetBigEndian64(std::string_view in) {
  uint64_t v = 0;
  std::memcpy(&v, in.data(), 8);  // a load and a byte swap, not eight shifts
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
  return v;
}

uint32_t GetBigEndian32(std::string_view in) {
  uint32_t v = 0;
  std::memcpy(&v, in.data(), 4);
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap32(v);
  return v;
}

std::string PositionKey(uint64_t position) {
  std::string k;
  PutBigEndian64(&k, position);
  return k;
}

std::string EncodeRecord(std::string_view header_bytes, std::string_view payload,
                         const Digest& personal_digest, const Digest& hash) {
  std::string out;
  out.reserve(1 + 4 + header_bytes.size() + 4 + payload.size() + 64);
  out.push_back(static_cast<char>(kRecordFormat));
  PutBigEndian32(&out, static_cast<uint32_t>(header_bytes.size()));
  out.append(header_bytes);
  PutBigEndian32(&out, static_cast<uint32_t>(payload.size()));
  out.append(payload);
  out.append(AsStringView(personal_digest));
  out.append(AsStringView(hash));
  return out;
}

const char* SplitRecordParts(std::string_view bytes, RecordView* r) {
  if (bytes.empty()) return "empty";
  if (static_cast<uint8_t>(bytes[0]) != kRecordFormat) return kUnknownRecordFormat;
  std::string_view rest = bytes.substr(1);
  if (rest.size() < 4) return "truncated header length";
  const uint32_t h = GetBigEndian32(rest);
  rest.remove_prefix(4);
  if (rest.size() < h) return "header past the end";
  r->header_bytes = rest.substr(0, h);
  rest.remove_prefix(h);
  if (rest.size() < 4) return "truncated payload length";
  const uint32_t p = GetBigEndian32(rest);
  rest.remove_prefix(4);
  if (rest.size() < p) return "payload past the end";
  r->payload = rest.substr(0, p);
  rest.remove_prefix(p);
  if (rest.size() != 64) return "digests missing or trailing bytes";
  std::memcpy(r->personal_digest.data(), rest.data(), 32);
  std::memcpy(r->hash.data(), rest.data() + 32, 32);
  return nullptr;
}

std::string RecordProblem(std::string_view bytes, const char* problem) {
  if (problem == kUnknownRecordFormat) {
    return absl::StrCat("corrupt event record: unknown record format ",
                        static_cast<int>(static_cast<uint8_t>(bytes[0])));
  }
  return absl::StrCat("corrupt event record: ", problem);
}

absl::StatusOr<RecordView> DecodeRecord(std::string_view bytes) {
  RecordView r;
  if (const char* problem = SplitRecordParts(bytes, &r)) {
    return absl::DataLossError(RecordProblem(bytes, problem));
  }
  return r;
}

namespace {

using wire::ReadLength;
using wire::ReadVarint;

// Reads a field tag as protobuf does: a varint of at most five bytes, of which the low 32 bits
// count (a longer one fails the parse).
bool ReadTag(std::string_view& in, uint32_t* tag) {
  if (!in.empty() && static_cast<uint8_t>(in.front()) < 0x80) {  // fields 1 to 15
    *tag = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    return true;
  }
  uint64_t v = 0;
  for (int i = 0; i < 5 && !in.empty(); ++i) {
    uint8_t b = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    v |= uint64_t{b & 0x7fu} << (7 * i);
    if ((b & 0x80) == 0) {
      *tag = static_cast<uint32_t>(v);
      return true;
    }
  }
  return false;
}

// Skips one field's value of wire type `wire` (the tag is read). Groups (wire types 3 and 4,
// deprecated, never written by the store) are skipped as protobuf skips unknown groups, so that
// the scan accepts exactly what EventHeader's parser accepts; nesting is bounded like protobuf's
// recursion limit.
bool SkipValue(std::string_view& in, uint32_t field, uint64_t wire, int depth) {
  uint64_t v = 0;
  switch (wire) {
    case 0:
      return ReadVarint(in, &v);
    case 1:
      if (in.size() < 8) return false;
      in.remove_prefix(8);
      return true;
    case 2:
      if (!ReadLength(in, &v) || v > in.size()) return false;
      in.remove_prefix(v);
      return true;
    case 3:  // start group: skip to the matching end group
      if (depth >= 100) return false;
      for (;;) {
        uint32_t tag = 0;
        if (!ReadTag(in, &tag) || (tag >> 3) == 0) return false;
        if ((tag & 7) == 4) return (tag >> 3) == field;
        if (!SkipValue(in, tag >> 3, tag & 7, depth + 1)) return false;
      }
    case 5:
      if (in.size() < 4) return false;
      in.remove_prefix(4);
      return true;
    default:  // an end group without its start, or an invalid wire type
      return false;
  }
}

}  // namespace

bool ScanHeaderLinks(std::string_view in, HeaderLinks* out) {
  *out = HeaderLinks{};
  while (!in.empty()) {
    uint32_t tag = 0;
    uint64_t v = 0;
    if (!ReadTag(in, &tag)) return false;
    uint32_t field = tag >> 3;
    switch (tag & 7) {
      case 0:  // varint
        if (!ReadVarint(in, &v)) return false;
        if (field == 1) out->position = v;
        if (field == 3) out->stream_version = v;
        if (field == 14) out->confidentiality = static_cast<int32_t>(v);  // as protobuf: low 32 bits
        if (field == 16) out->has_personal = v != 0;
        break;
      case 2:  // length-delimited
        if (!ReadLength(in, &v) || v > in.size()) return false;
        if (field == 2) out->stream = in.substr(0, v);
        if (field == 5) out->type = in.substr(0, v);
        if (field == 15) out->previous_hash = in.substr(0, v);
        in.remove_prefix(v);
        break;
      default:
        if (!SkipValue(in, field, tag & 7, 0)) return false;
    }
  }
  return true;
}

bool ReadPlainDate(std::string_view in, int32_t ymd[3]) {
  ymd[0] = ymd[1] = ymd[2] = 0;
  while (!in.empty()) {
    const auto tag = static_cast<uint8_t>(in.front());
    uint64_t v = 0;
    // 0x08, 0x10, 0x18: fields 1 to 3, varints.
    if ((tag & 7) != 0 || tag < 0x08 || tag > 0x18) return false;
    in.remove_prefix(1);
    if (!ReadVarint(in, &v)) return false;
    ymd[(tag >> 3) - 1] = static_cast<int32_t>(static_cast<uint32_t>(v));
  }
  return true;
}

bool ScanHeaderPlace(std::string_view in, HeaderPlace* out) {
  *out = HeaderPlace{};
  // A rebuild scans every header it replays: one switch on the whole tag (all of the store's
  // fields have one-byte tags but has_personal), the generic reads for anything else.
  constexpr auto kVarint = [](uint32_t field) { return field << 3; };
  constexpr auto kBytes = [](uint32_t field) { return field << 3 | 2; };
  // Inline for the one-byte varints and tags nearly all are; the general reads otherwise.
  auto varint = [&in](uint64_t* v) {
    if (!in.empty() && static_cast<uint8_t>(in.front()) < 0x80) {
      *v = static_cast<uint8_t>(in.front());
      in.remove_prefix(1);
      return true;
    }
    return ReadVarint(in, v);
  };
  while (!in.empty()) {
    uint32_t tag = static_cast<uint8_t>(in.front());
    uint64_t v = 0;
    if (tag < 0x80) {
      in.remove_prefix(1);
    } else if (!ReadTag(in, &tag)) {
      return false;
    }
    if ((tag >> 3) == 0) return false;  // protobuf's parser decides what a zero tag means
    switch (tag) {
      case kVarint(1):
        if (!varint(&out->position)) return false;
        break;
      case kVarint(3):
        if (!varint(&out->stream_version)) return false;
        break;
      case kVarint(6):
        if (!varint(&v)) return false;
        out->schema_version = static_cast<uint32_t>(v);
        break;
      case kVarint(7):
        if (!varint(&v)) return false;
        out->recorded_at_us = static_cast<int64_t>(v);
        break;
      case kVarint(14):
        if (!varint(&v)) return false;
        out->confidentiality = static_cast<int32_t>(v);
        break;
      case kVarint(16):
        if (!varint(&v)) return false;
        out->has_personal = v != 0;
        break;
      case kBytes(2):
      case kBytes(5):
      case kBytes(8): {
        if (!ReadLength(in, &v) || v > in.size()) return false;
        const std::string_view value = in.substr(0, v);
        in.remove_prefix(v);
        if (tag == kBytes(2)) {
          out->stream = value;
        } else if (tag == kBytes(5)) {
          out->type = value;
        } else {
          if (out->has_occurred_on) return false;  // protobuf merges the two
          out->has_occurred_on = true;
          out->occurred_on = value;
        }
        break;
      }
      default:  // the fields a projector is not given: strings and varints here, as a rule
        if ((tag & 7) == 2) {
          if (!ReadLength(in, &v) || v > in.size()) return false;
          in.remove_prefix(v);
        } else if ((tag & 7) == 0) {
          if (!varint(&v)) return false;
        } else if (!SkipValue(in, tag >> 3, tag & 7, 0)) {
          return false;
        }
    }
  }
  return true;
}

Digest ChainHash(const Digest& previous, std::string_view header_bytes,
                 const Digest& payload_digest, const Digest& personal_digest) {
  thread_local Sha256 h;
  uint32_t n = static_cast<uint32_t>(header_bytes.size());
  const char len[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                       static_cast<char>(n >> 8), static_cast<char>(n)};
  h.Update(previous);
  h.Update(std::string_view(len, 4));
  h.Update(header_bytes);
  h.Update(payload_digest);
  h.Update(personal_digest);
  return h.Finish();
}

}  // namespace proeftuin::eventstore
