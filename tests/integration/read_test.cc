// Paging through the log: ReadAllInto reuses one page and returns exactly what ReadAll does,
// with filters, personal parts and pages that shrink.
#include <gtest/gtest.h>

#include "integration/store_fixture.h"

namespace proeftuin::eventstore::testing {
namespace {

std::string Fingerprint(const RecordedEvent& e) {
  return e.header.SerializeAsString() + "|" + e.payload + "|" + e.personal.value_or("<none>");
}

class ReadAllInto : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenStore(dir_.path());
    ASSERT_NE(store_, nullptr);
    for (int i = 1; i <= 300; ++i) {
      AppendRequest r = OneStream("r" + std::to_string(i), "stream-" + std::to_string(i % 3),
                                  ExpectedVersion::Any(),
                                  {Event(std::string(i % 50, 'x'), i % 2 ? "test.Odd" : "test.Even")});
      if (i % 7 == 0) r.appends[0].events[0].personal = "bewoner " + std::to_string(i);
      ASSERT_TRUE(store_->Append(r).ok());
    }
  }
  // Every page of both readers, as fingerprints.
  void ExpectSamePages(const EventFilter& filter, size_t page_size) {
    ReadAllResult reused;
    uint64_t from = 1;
    int pages = 0;
    for (;;) {
      auto fresh = store_->ReadAll(from, page_size, filter);
      ASSERT_TRUE(fresh.ok()) << fresh.status();
      ASSERT_TRUE(store_->ReadAllInto(from, page_size, filter, &reused).ok());
      ASSERT_EQ(reused.events.size(), fresh->events.size()) << "page " << pages;
      for (size_t i = 0; i < fresh->events.size(); ++i) {
        EXPECT_EQ(Fingerprint(reused.events[i]), Fingerprint(fresh->events[i]));
      }
      EXPECT_EQ(reused.next_position, fresh->next_position);
      EXPECT_EQ(reused.end_of_log, fresh->end_of_log);
      ++pages;
      from = fresh->next_position;
      if (fresh->end_of_log) break;
    }
    EXPECT_GT(pages, 1);
  }
  TempDir dir_;
  std::unique_ptr<RocksStore> store_;
};

TEST_F(ReadAllInto, ReturnsWhatReadAllReturnsPageByPage) { ExpectSamePages(EventFilter{}, 64); }

TEST_F(ReadAllInto, FiltersAndPersonalPartsSurviveTheReuse) {
  ExpectSamePages(EventFilter{"stream-1", {"test.Odd"}}, 16);
  ExpectSamePages(EventFilter{"", {"test.Even"}}, 33);
}

TEST_F(ReadAllInto, AShorterPageDropsTheEventsOfTheLongerOne) {
  ReadAllResult page;
  ASSERT_TRUE(store_->ReadAllInto(1, 100, EventFilter{}, &page).ok());
  ASSERT_EQ(page.events.size(), 100u);
  ASSERT_TRUE(page.events[6].personal.has_value());  // position 7
  ASSERT_TRUE(store_->ReadAllInto(294, 100, EventFilter{}, &page).ok());
  ASSERT_EQ(page.events.size(), 7u);
  EXPECT_EQ(page.events.front().position(), 294u);
  EXPECT_EQ(page.events.back().position(), 300u);
  EXPECT_TRUE(page.end_of_log);
  EXPECT_EQ(page.events[0].personal, std::optional<std::string>("bewoner 294"));
  EXPECT_FALSE(page.events[6].personal.has_value());  // 300 has none; the reused slot had one
}

}  // namespace
}  // namespace proeftuin::eventstore::testing
