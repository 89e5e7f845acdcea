// The stored event record and the hash chain, exactly as docs/FORMAT.md describes them.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "eventstore/sha256.h"

namespace proeftuin::eventstore {

inline constexpr uint8_t kRecordFormat = 1;

// A decoded record; the views point into the bytes given to DecodeRecord.
struct RecordView {
  std::string_view header_bytes;  // a serialized proeftuin.v1.EventHeader, as stored
  std::string_view payload;       // the serialized event message
  Digest personal_digest{};       // SHA-256 of the personal-data part
  Digest hash{};                  // this event's link in the chain
};

// Lays out one record (format 1).
std::string EncodeRecord(std::string_view header_bytes, std::string_view payload,
                         const Digest& personal_digest, const Digest& hash);

// Splits a record into its parts. DATA_LOSS when the bytes are not a well-formed record of a
// known format (wrong format byte, lengths past the end, trailing bytes).
absl::StatusOr<RecordView> DecodeRecord(std::string_view bytes);
// The same without a status: null, or what is wrong (kUnknownRecordFormat for a format byte this
// build does not know; RecordProblem makes the message DecodeRecord gives). For a loop over
// every record of the log, where a returned StatusOr<RecordView> is copied twice.
inline constexpr char kUnknownRecordFormat[] = "unknown record format";
const char* SplitRecordParts(std::string_view bytes, RecordView* r);
std::string RecordProblem(std::string_view bytes, const char* problem);

// hash[n] = SHA-256(previous || BE32(len(header)) || header || payload_digest || personal_digest)
Digest ChainHash(const Digest& previous, std::string_view header_bytes,
                 const Digest& payload_digest, const Digest& personal_digest);

// Recomputes the hash of a decoded record given the previous hash.
inline Digest RecomputeHash(const Digest& previous, const RecordView& r) {
  return ChainHash(previous, r.header_bytes, Sha256Of(r.payload), r.personal_digest);
}

// The header fields that verification and filtered reads need, read straight from the stored
// bytes without decoding the whole header (protobuf wire format of proeftuin.v1.EventHeader:
// field 1 position, 2 stream, 3 stream_version, 5 type, 14 confidentiality, 15 previous_hash,
// 16 has_personal;
// a field given twice counts as protobuf counts it, the last one). Views point into
// `header_bytes`.
struct HeaderLinks {
  uint64_t position = 0;
  std::string_view stream;
  uint64_t stream_version = 0;
  std::string_view type;
  int32_t confidentiality = 0;  // a proeftuin.v1.Confidentiality value
  std::string_view previous_hash;
  bool has_personal = false;
};
// False when the bytes are not well-formed protobuf wire format.
bool ScanHeaderLinks(std::string_view header_bytes, HeaderLinks* out);

// The header fields every projector gets in a rebuild (Projector::ReadsWholeHeader), read
// straight from the stored bytes: field 1 position, 2 stream, 3 stream_version, 5 type,
// 6 schema_version, 7 recorded_at_us, 8 occurred_on (its bytes, a proeftuin.v1.Date), 14
// confidentiality, 16 has_personal, the last of a field given twice as protobuf counts it.
// Views point into `header_bytes`.
struct HeaderPlace {
  uint64_t position = 0;
  std::string_view stream;
  uint64_t stream_version = 0;
  std::string_view type;
  uint32_t schema_version = 0;
  int64_t recorded_at_us = 0;
  bool has_occurred_on = false;
  std::string_view occurred_on;
  int32_t confidentiality = 0;
  bool has_personal = false;
};
// False when the bytes are not well-formed protobuf wire format, and for what protobuf would
// treat other than as the last value (occurred_on given twice, which it merges): the caller
// then parses the whole header.
bool ScanHeaderPlace(std::string_view header_bytes, HeaderPlace* out);
// A proeftuin.v1.Date's fields (year 1, month 2, day 3) from its bytes, as protobuf's parser
// gives them (absent: 0; given twice: the last), when the bytes hold only those fields as
// varints; false for anything else (the caller then parses them).
bool ReadPlainDate(std::string_view date_bytes, int32_t ymd[3]);

// Big-endian fixed-width integers: keys sort numerically under RocksDB's bytewise comparator.
void PutBigEndian64(std::string* out, uint64_t v);
void PutBigEndian32(std::string* out, uint32_t v);
uint64_t GetBigEndian64(std::string_view in);  // requires in.size() >= 8
uint32_t GetBigEndian32(std::string_view in);  // requires in.size() >= 4
std::string PositionKey(uint64_t position);

}  // namespace proeftuin::eventstore
