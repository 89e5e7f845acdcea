#include "eventstore/record.h"

#include <gtest/gtest.h>

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
TEST(Record, HeaderScanReadsStreamTypeAndConfidentialityAsProtobufDoes) {
  v1::EventHeader h;
  h.set_position(9);
  h.set_stream("experiment-lv.buurtgesprek");
  h.set_type("proeftuin.v1.ActivityRecorded");
  h.set_confidentiality(v1::CONFIDENTIALITY_ZAAKVERTROUWELIJK);
  h.set_reason("toelichting");
  std::string bytes = h.SerializeAsString();
  HeaderLinks links;
  ASSERT_TRUE(ScanHeaderLinks(bytes, &links));
  EXPECT_EQ(links.position, 9u);
  EXPECT_EQ(links.stream, "experiment-lv.buurtgesprek");
  EXPECT_EQ(links.type, "proeftuin.v1.ActivityRecorded");
  EXPECT_EQ(links.confidentiality, v1::CONFIDENTIALITY_ZAAKVERTROUWELIJK);
  // stream again (last wins), and field 5 as a varint (unknown to protobuf, ignored)
  bytes += std::string("\x12\x03" "abc" "\x28\x01", 7);
  v1::EventHeader parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  ASSERT_TRUE(ScanHeaderLinks(bytes, &links));
  EXPECT_EQ(links.stream, parsed.stream());
  EXPECT_EQ(links.stream, "abc");
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

}  // namespace
}  // namespace proeftuin::eventstore
