// Keys of the streams column family, decoding stored events, and request validation.
// Private to the eventstore module. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "eventstore/event_store.h"
#include "eventstore/record.h"

namespace proeftuin::eventstore {

// "v/<stream>/" + BE64(version) -> BE64(position)
std::string StreamVersionKey(std::string_view stream, uint64_t version);
std::string StreamVersionPrefix(std::string_view stream);
// "h/<stream>" -> BE64(version) + BE64(position)
std::string StreamHeadKey(std::string_view stream);

struct StreamHead {
  uint64_t version = 0;
  uint64_t last_position = 0;
};
std::string EncodeStreamHead(const StreamHead& h);
absl::StatusOr<StreamHead> DecodeStreamHead(std::string_view v);

// Decodes a stored record into an event (personal part not attached). DATA_LOSS when the
// record or its header is malformed or the header's position is not `position`.
absl::StatusOr<RecordedEvent> DecodeEvent(std::string_view record, uint64_t position);
// The same into `*e`, reusing the memory of the event it held (no allocation once its strings
// are large enough). On error `*e` is unspecified.
absl::Status DecodeEventInto(std::string_view record, uint64_t position, RecordedEvent* e);
// Decoding only the header's place and kind (the fields Projector::ReadsWholeHeader lists as
// decoded for every projector), in steps, for a rebuild that routes on them first:
// SplitRecord: DecodeRecord, with DATA_LOSS naming the position. ScanPlainHeaderPlace:
// ScanHeaderPlace, false also for what protobuf's parser must judge (a stream or type that is
// not ASCII; the caller then uses DecodeEventInto). DecodeEventFromPlace: the event, its
// who-and-why fields left empty (neither read nor checked: `audit verify` checks every record's
// hash). DATA_LOSS as DecodeEventInto, for the fields it reads.
absl::Status SplitRecord(std::string_view record, uint64_t position, RecordView* r);
bool ScanPlainHeaderPlace(std::string_view header_bytes, HeaderPlace* place);
absl::Status DecodeEventFromPlace(const RecordView& r, const HeaderPlace& place,
                                  uint64_t position, RecordedEvent* e);

// INVALID_ARGUMENT naming the field: stream ids [a-z0-9][a-z0-9._:-]{0,199};
// request ids [A-Za-z0-9._:-]{1,128}; every limit of an append.
absl::Status ValidateStreamName(std::string_view stream, std::string_view field);
absl::Status ValidateAppend(const AppendRequest& r);

// Date and time helpers for the stored formats.
bool IsValidDate(const v1::Date& d);
int64_t NowMicros();

}  // namespace proeftuin::eventstore
