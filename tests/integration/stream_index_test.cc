// The stream index (`v/<stream>/<version>` -> position, `h/<stream>` -> version + position) is
// not trusted: reading a stream checks every entry against the event it names and against the
// stream's head, and Verify checks the whole index both ways against the log. A damaged index
// is DATA_LOSS (reads) or a failed verification (Verify), naming the stream and the version
// (and the position).
#include <gtest/gtest.h>

#include "eventstore/record.h"
#include "integration/raw_db.h"
#include "integration/store_fixture.h"

namespace proeftuin::eventstore::testing {
namespace {

std::string EntryKey(const std::string& stream, uint64_t version) {
  return "v/" + stream + "/" + PositionKey(version);
}

// Stream "a" holds versions 0..9 at positions 1, 3, ..., 19; stream "b" the even positions.
class StreamIndex : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenStore(dir_.path());
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 10; ++i) {
      ASSERT_TRUE(store->Append(OneEvent("a" + std::to_string(i), "a")).ok());
      ASSERT_TRUE(store->Append(OneEvent("b" + std::to_string(i), "b")).ok());
    }
  }
  static uint64_t PositionOfA(uint64_t version) { return 2 * version + 1; }

  // ReadStream of "a" forward from 0, backward from the end, and through a read view: each must
  // fail with DATA_LOSS whose message holds `what`.
  void ExpectEveryReadOfAFails(const std::string& what) {
    auto store = OpenStore(dir_.path());
    ASSERT_NE(store, nullptr);
    auto forward = store->ReadStream("a", Direction::kForward, 0, 100);
    EXPECT_EQ(forward.status().code(), absl::StatusCode::kDataLoss) << forward.status();
    EXPECT_NE(forward.status().message().find(what), std::string_view::npos) << forward.status();
    auto backward = store->ReadStream("a", Direction::kBackward, UINT64_MAX, 100);
    EXPECT_EQ(backward.status().code(), absl::StatusCode::kDataLoss) << backward.status();
    auto view = store->OpenReadView();
    ASSERT_TRUE(view.ok());
    absl::Status s = (*view)->ReadStream("a", [](const RecordedEvent&) { return true; });
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
    EXPECT_NE(s.message().find(what), std::string_view::npos) << s;
  }
  // Verify(1, 0) on a fresh open.
  VerifyResult VerifyWhole() {
    auto store = OpenStore(dir_.path());
    auto v = store->Verify(1, 0);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? *v : VerifyResult{};
  }
  TempDir dir_;
};

TEST_F(StreamIndex, AnIntactIndexReadsEveryWayAndVerifies) {
  auto store = OpenStore(dir_.path());
  auto all = store->ReadStream("a", Direction::kForward, 0, 100);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 10u);
  for (uint64_t v = 0; v < 10; ++v) EXPECT_EQ((*all)[v].position(), PositionOfA(v));
  auto middle = store->ReadStream("a", Direction::kForward, 4, 3);
  ASSERT_TRUE(middle.ok()) << middle.status();
  ASSERT_EQ(middle->size(), 3u);
  EXPECT_EQ(middle->front().header.stream_version(), 4u);
  auto down = store->ReadStream("a", Direction::kBackward, UINT64_MAX, 4);
  ASSERT_TRUE(down.ok()) << down.status();
  ASSERT_EQ(down->size(), 4u);
  EXPECT_EQ(down->front().header.stream_version(), 9u);
  auto from5 = store->ReadStream("a", Direction::kBackward, 5, 100);
  ASSERT_TRUE(from5.ok()) << from5.status();
  EXPECT_EQ(from5->size(), 6u);
  auto past = store->ReadStream("a", Direction::kForward, 10, 100);  // nothing after the head
  ASSERT_TRUE(past.ok()) << past.status();
  EXPECT_TRUE(past->empty());
  auto v = store->Verify(1, 0);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok) << v->problem;
}

TEST_F(StreamIndex, AMissingVersionIsNamed) {
  {
    RawDb raw(dir_.path());
    raw.Delete("streams", EntryKey("a", 3));
  }
  ExpectEveryReadOfAFails("the stream index of a lacks version 3");
  VerifyResult v = VerifyWhole();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_position, PositionOfA(3)) << v.problem;
  EXPECT_NE(v.problem.find("does not name it for version 3"), std::string::npos) << v.problem;
}

TEST_F(StreamIndex, MissingNewestVersionsAreNamedAgainstTheHead) {
  {
    RawDb raw(dir_.path());
    raw.Delete("streams", EntryKey("a", 8));
    raw.Delete("streams", EntryKey("a", 9));
  }
  ExpectEveryReadOfAFails("lacks versions 8 to 9 (its head is at version 9)");
  VerifyResult v = VerifyWhole();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_position, PositionOfA(8)) << v.problem;
}

TEST_F(StreamIndex, AValueThatIsNotAPositionIsNamedWithItsVersion) {
  {
    RawDb raw(dir_.path());
    raw.Put("streams", EntryKey("a", 2), "xyz");
  }
  ExpectEveryReadOfAFails("holds a value that is not a position at version 2");
  VerifyResult v = VerifyWhole();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_position, PositionOfA(2)) << v.problem;
}

// An entry naming another event of the same stream: the stream name matches, the version not.
TEST_F(StreamIndex, AnEntryNamingAnotherVersionOfTheStreamIsCaught) {
  {
    RawDb raw(dir_.path());
    raw.Put("streams", EntryKey("a", 2), PositionKey(PositionOfA(3)));
  }
  ExpectEveryReadOfAFails("names position 7 for version 2, but that event is version 3");
  VerifyResult v = VerifyWhole();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_position, PositionOfA(2)) << v.problem;  // event 5 has no entry now
}

TEST_F(StreamIndex, AHeadThatDoesNotNameTheLastEntryIsCaught) {
  {
    RawDb raw(dir_.path());
    raw.Put("streams", "h/a", PositionKey(7) + PositionKey(PositionOfA(7)));
  }
  ExpectEveryReadOfAFails("holds version 9, past its head (its head is at version 7)");
  VerifyResult v = VerifyWhole();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_position, PositionOfA(7)) << v.problem;
  EXPECT_NE(v.problem.find("the head of stream a"), std::string::npos) << v.problem;
}

// Two entries swapped: each names an event of the right stream; the versions give it away.
TEST_F(StreamIndex, SwappedEntriesAreFoundByVerify) {
  {
    RawDb raw(dir_.path());
    raw.Put("streams", EntryKey("b", 4), PositionKey(12));
    raw.Put("streams", EntryKey("b", 5), PositionKey(10));
  }
  VerifyResult v = VerifyWhole();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_position, 10u) << v.problem;
  auto store = OpenStore(dir_.path());
  auto read = store->ReadStream("b", Direction::kForward, 0, 100);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss) << read.status();
}

}  // namespace
}  // namespace proeftuin::eventstore::testing
