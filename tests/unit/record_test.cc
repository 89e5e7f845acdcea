#include "eventstore/record.h"

#include <gtest/gtest.h>

#include <random>

#include "eventstore/sha256.h"
#include "proeftuin/v1/store.pb.h"

namespace proeftuin::eventstore {
namespace {

TEST(Sha256, MatchesKnownVectors) {
  EXPECT_EQ(ToHex(Sha256Of("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(ToHex(Sha256Of("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, HexRoundTripsAndRejectsBadInput) {
  Digest d = Sha256Of("proeftuin");
  Digest back{};
  ASSERT_TRUE(FromHex(ToHex(d), &back));
  EXPECT_EQ(back, d);
  EXPECT_FALSE(FromHex("abc", &back));
  EXPECT_FALSE(FromHex(std::string(64, 'g'), &back));
}

TEST(Record, RoundTripsEveryPart) {
  Digest personal = Sha256Of("naam: J. Jansen");
  Digest hash = Sha256Of("link");
  std::string bytes = EncodeRecord("header-bytes", "payload-bytes", personal, hash);
  auto r = DecodeRecord(bytes);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->header_bytes, "header-bytes");
  EXPECT_EQ(r->payload, "payload-bytes");
  EXPECT_EQ(r->personal_digest, personal);
  EXPECT_EQ(r->hash, hash);
}

TEST(Record, RejectsTruncatedTrailingAndUnknownFormat) {
  std::string bytes = EncodeRecord("h", "p", EmptyDigest(), kZeroDigest);
  EXPECT_EQ(DecodeRecord(bytes.substr(0, bytes.size() - 1)).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(DecodeRecord(bytes + "x").status().code(), absl::StatusCode::kDataLoss);
  std::string other = bytes;
  other[0] = 2;
  EXPECT_EQ(DecodeRecord(other).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(DecodeRecord("").status().code(), absl::StatusCode::kDataLoss);
}

TEST(Record, ChainHashFollowsTheDocumentedFormula) {
  // hash = SHA-256(prev || BE32(len(header)) || header || SHA-256(payload) || personal_digest)
  Digest prev = Sha256Of("previous");
  std::string input(reinterpret_cast<const char*>(prev.data()), 32);
  input += std::string("\x00\x00\x00\x03", 4) + "hdr";
  Digest pd = Sha256Of("payload");
  input.append(reinterpret_cast<const char*>(pd.data()), 32);
  input.append(reinterpret_cast<const char*>(EmptyDigest().data()), 32);
  EXPECT_EQ(ChainHash(prev, "hdr", pd, EmptyDigest()), Sha256Of(input));
  // Any changed input changes the hash.
  EXPECT_NE(ChainHash(prev, "hdx", pd, EmptyDigest()), ChainHash(prev, "hdr", pd, EmptyDigest()));
  EXPECT_NE(ChainHash(kZeroDigest, "hdr", pd, EmptyDigest()),
            ChainHash(prev, "hdr", pd, EmptyDigest()));
}

TEST(Record, PositionKeysSortNumerically) {
  EXPECT_LT(PositionKey(255), PositionKey(256));
  EXPECT_LT(PositionKey(1), PositionKey(uint64_t{1} << 40));
  EXPECT_EQ(GetBigEndian64(PositionKey(0x0102030405060708ull)), 0x0102030405060708ull);
}

// The scan reads the fields a filtered read needs as protobuf does: the last of a repeated
// field counts, a known field with another wire type is an unknown field.
TEST(Record, HeaderScanReadsStreamVersionTypeAndConfidentialityAsProtobufDoes) {
  v1::EventHeader h;
  h.set_position(9);
  h.set_stream("experiment-lv.buurtgesprek");
  h.set_stream_version(4);
  h.set_type("proeftuin.v1.ActivityRecorded");
  h.set_confidentiality(v1::CONFIDENTIALITY_ZAAKVERTROUWELIJK);
  h.set_reason("toelichting");
  std::string bytes = h.SerializeAsString();
  HeaderLinks links;
  ASSERT_TRUE(ScanHeaderLinks(bytes, &links));
  EXPECT_EQ(links.position, 9u);
  EXPECT_EQ(links.stream, "experiment-lv.buurtgesprek");
  EXPECT_EQ(links.stream_version, 4u);
  EXPECT_EQ(links.type, "proeftuin.v1.ActivityRecorded");
  EXPECT_EQ(links.confidentiality, v1::CONFIDENTIALITY_ZAAKVERTROUWELIJK);
  // stream and stream_version again (last wins), and field 5 as a varint (unknown to protobuf,
  // ignored)
  bytes += std::string(
      "\x12\x03"
      "abc"
      "\x18\x07"
      "\x28\x01",
      9);
  v1::EventHeader parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  ASSERT_TRUE(ScanHeaderLinks(bytes, &links));
  EXPECT_EQ(links.stream, parsed.stream());
  EXPECT_EQ(links.stream, "abc");
  EXPECT_EQ(links.stream_version, parsed.stream_version());
  EXPECT_EQ(links.stream_version, 7u);
  EXPECT_EQ(links.type, parsed.type());
}

// The verifier's fast header scan accepts what EventHeader's parser accepts, fields inside
// unknown groups included (found by header_fuzzer), and reads only top-level fields.
TEST(Record, HeaderScanAgreesWithProtobufOnGroups) {
  v1::EventHeader h;
  h.set_position(7);
  h.set_previous_hash(std::string(32, 'p'));
  h.set_has_personal(true);
  std::string bytes = h.SerializeAsString();
  // field 4 as a group holding a field 1 varint (position 99): unknown to EventHeader
  bytes += std::string("\x23\x08\x63\x24", 4);
  v1::EventHeader parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  HeaderLinks links;
  ASSERT_TRUE(ScanHeaderLinks(bytes, &links));
  EXPECT_EQ(links.position, 7u);
  EXPECT_EQ(links.previous_hash, parsed.previous_hash());
  EXPECT_TRUE(links.has_personal);
  // an end group without a start, and a group that never ends, parse in neither
  EXPECT_FALSE(ScanHeaderLinks(std::string("\x24", 1), &links));
  EXPECT_FALSE(parsed.ParseFromString(std::string("\x24", 1)));
  EXPECT_FALSE(ScanHeaderLinks(std::string("\x23\x08\x01", 3), &links));
  EXPECT_FALSE(parsed.ParseFromString(std::string("\x23\x08\x01", 3)));
}

// What a rebuild passes projectors that read only the header's place (HeaderPlace): every
// field it reads as protobuf reads it, multi-byte varints and a later copy of a field included.
TEST(Record, HeaderPlaceScanReadsEveryPlaceFieldAsProtobufDoes) {
  v1::EventHeader h;
  h.set_position(300000);  // three-byte varint
  h.set_stream("experiment-lv.buurtgesprek");
  h.set_stream_version(129);
  h.set_event_id("a3c2");
  h.set_type("proeftuin.v1.ActivityRecorded");
  h.set_schema_version(2);
  h.set_recorded_at_us(1796520819337291);
  h.mutable_occurred_on()->set_year(2025);
  h.mutable_occurred_on()->set_month(3);
  h.mutable_occurred_on()->set_day(14);
  h.mutable_actor()->set_principal_id("pm");
  h.set_reason("toelichting");
  h.set_confidentiality(v1::CONFIDENTIALITY_GEHEIM);
  h.set_previous_hash(std::string(32, 'p'));
  h.set_has_personal(true);  // field 16: a two-byte tag
  std::string bytes = h.SerializeAsString();
  HeaderPlace place;
  ASSERT_TRUE(ScanHeaderPlace(bytes, &place));
  EXPECT_EQ(place.position, h.position());
  EXPECT_EQ(place.stream, h.stream());
  EXPECT_EQ(place.stream_version, h.stream_version());
  EXPECT_EQ(place.type, h.type());
  EXPECT_EQ(place.schema_version, h.schema_version());
  EXPECT_EQ(place.recorded_at_us, h.recorded_at_us());
  ASSERT_TRUE(place.has_occurred_on);
  v1::Date date;
  ASSERT_TRUE(date.ParseFromArray(place.occurred_on.data(), static_cast<int>(place.occurred_on.size())));
  EXPECT_EQ(date.SerializeAsString(), h.occurred_on().SerializeAsString());
  EXPECT_EQ(place.confidentiality, h.confidentiality());
  EXPECT_TRUE(place.has_personal);
  // A later stream and version count, as protobuf counts them.
  bytes += std::string("\x12\x03" "abc" "\x18\x05", 7);
  v1::EventHeader parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  ASSERT_TRUE(ScanHeaderPlace(bytes, &place));
  EXPECT_EQ(place.stream, parsed.stream());
  EXPECT_EQ(place.stream_version, parsed.stream_version());
  // Without a date: none.
  h.clear_occurred_on();
  ASSERT_TRUE(ScanHeaderPlace(h.SerializeAsString(), &place));
  EXPECT_FALSE(place.has_occurred_on);
}

// What protobuf would read other than as "the last one counts" is left to protobuf: a date
// given twice (merged), a zero tag; broken wire format is refused.
TEST(Record, HeaderPlaceScanLeavesToProtobufWhatItCombines) {
  v1::EventHeader h;
  h.set_position(1);
  h.mutable_occurred_on()->set_year(2025);
  v1::EventHeader later;
  later.mutable_occurred_on()->set_month(4);
  const std::string twice = h.SerializeAsString() + later.SerializeAsString();
  v1::EventHeader parsed;
  ASSERT_TRUE(parsed.ParseFromString(twice));
  EXPECT_EQ(parsed.occurred_on().year(), 2025);  // merged: year from the first, month from the second
  EXPECT_EQ(parsed.occurred_on().month(), 4);
  HeaderPlace place;
  EXPECT_FALSE(ScanHeaderPlace(twice, &place));
  EXPECT_FALSE(ScanHeaderPlace(std::string("\x00\x01", 2), &place));
  EXPECT_FALSE(ScanHeaderPlace(std::string("\x12\x05" "ab", 4), &place));  // past the end
  EXPECT_FALSE(ScanHeaderPlace(std::string("\x08\xff", 2), &place));        // varint cut off
}

// A length takes at most five bytes, the fifth below 8, as protobuf's parser reads it; a value
// varint up to ten.
TEST(Record, HeaderScansReadLengthsAsProtobufDoes) {
  const std::string five("\x12\x82\x80\x80\x80\x00" "ab", 8);           // stream "ab"
  const std::string six("\x12\x82\x80\x80\x80\x80\x00" "ab", 9);
  const std::string fifth_too_big("\x12\x80\x80\x80\x80\x08", 6);
  const std::string ten_byte_value("\x08\x81\x80\x80\x80\x80\x80\x80\x80\x80\x00", 11);
  v1::EventHeader parsed;
  HeaderPlace place;
  HeaderLinks links;
  ASSERT_TRUE(parsed.ParseFromString(five));
  EXPECT_EQ(parsed.stream(), "ab");
  EXPECT_TRUE(ScanHeaderPlace(five, &place));
  EXPECT_EQ(place.stream, "ab");
  EXPECT_TRUE(ScanHeaderLinks(five, &links));
  EXPECT_EQ(links.stream, "ab");
  for (const std::string& bad : {six, fifth_too_big}) {
    EXPECT_FALSE(parsed.ParseFromString(bad));
    EXPECT_FALSE(ScanHeaderPlace(bad, &place));
    EXPECT_FALSE(ScanHeaderLinks(bad, &links));
  }
  const std::string skipped_six("\x22\x80\x80\x80\x80\x80\x00", 7);  // event_id: skipped
  EXPECT_FALSE(parsed.ParseFromString(skipped_six));
  EXPECT_FALSE(ScanHeaderPlace(skipped_six, &place));
  ASSERT_TRUE(parsed.ParseFromString(ten_byte_value));
  EXPECT_TRUE(ScanHeaderPlace(ten_byte_value, &place));
  EXPECT_EQ(place.position, parsed.position());
}

TEST(Record, SplitWithoutAStatusNamesWhatIsWrongAsDecodeRecordDoes) {
  const std::string bytes = EncodeRecord("h", "p", EmptyDigest(), kZeroDigest);
  RecordView r;
  EXPECT_EQ(SplitRecordParts(bytes, &r), nullptr);
  EXPECT_EQ(r.header_bytes, "h");
  EXPECT_EQ(r.payload, "p");
  std::string other = bytes;
  other[0] = 7;
  for (const std::string& bad : {bytes.substr(0, bytes.size() - 1), bytes + "x", other,
                                 std::string(), bytes.substr(0, 3), bytes.substr(0, 7)}) {
    const char* problem = SplitRecordParts(bad, &r);
    ASSERT_NE(problem, nullptr);
    EXPECT_EQ(RecordProblem(bad, problem), DecodeRecord(bad).status().message());
  }
  EXPECT_EQ(RecordProblem(other, SplitRecordParts(other, &r)),
            "corrupt event record: unknown record format 7");
}

// ReadPlainDate against protobuf's parser: the same fields whenever it reads the bytes, and it
// leaves to the parser every shape other than varints of fields 1 to 3.
TEST(Record, PlainDateReadsWhatProtobufParses) {
  std::mt19937_64 rng(1206);
  auto check = [](const std::string& bytes) {
    int32_t ymd[3];
    v1::Date parsed;
    const bool parses = parsed.ParseFromString(bytes);
    if (!ReadPlainDate(bytes, ymd)) return false;
    EXPECT_TRUE(parses) << testing::PrintToString(bytes);
    EXPECT_EQ(ymd[0], parsed.year());
    EXPECT_EQ(ymd[1], parsed.month());
    EXPECT_EQ(ymd[2], parsed.day());
    EXPECT_TRUE(parsed.GetReflection()->GetUnknownFields(parsed).empty());
    return true;
  };
  for (int i = 0; i < 3000; ++i) {
    v1::Date d;
    if (rng() % 4 != 0) d.set_year(static_cast<int32_t>(rng() % 3000) - (rng() % 8 == 0 ? 5000 : 0));
    if (rng() % 4 != 0) d.set_month(static_cast<int32_t>(rng() % 13));
    if (rng() % 4 != 0) d.set_day(static_cast<int32_t>(rng() % 32));
    std::string bytes = d.SerializeAsString();
    EXPECT_TRUE(check(bytes));  // every date this build writes is read
    for (int flips = 1 + static_cast<int>(rng() % 2); flips > 0; --flips) {
      if (!bytes.empty() && rng() % 2 == 0) {
        bytes[rng() % bytes.size()] = static_cast<char>(rng());
      } else {
        bytes.insert(rng() % (bytes.size() + 1), 1, static_cast<char>(rng() % 0x20));
      }
    }
    check(bytes);
  }
  int32_t ymd[3];
  EXPECT_TRUE(ReadPlainDate(std::string("\x08\x01\x08\x02", 4), ymd));  // the last counts
  EXPECT_EQ(ymd[0], 2);
  EXPECT_FALSE(ReadPlainDate(std::string("\x20\x01", 2), ymd));  // field 4: unknown
  EXPECT_FALSE(ReadPlainDate(std::string("\x0a\x00", 2), ymd));  // field 1 as bytes
  EXPECT_FALSE(ReadPlainDate(std::string("\x08\x80", 2), ymd));  // varint cut off
}

}  // namespace
}  // namespace proeftuin::eventstore
