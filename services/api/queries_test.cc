// GetProgramme through Queries with its cache (api/programme_cache.h): an unchanged programme is
// served from the cache with the reader's current position, any change to the programme or one
// of its experiments is seen at once, and readers of different clearance never share a view.
#include "api/queries.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "domain/testing/builders.h"
#include "views/testing/views_testing.h"

namespace proeftuin::api {
namespace {

namespace tk = domain::testkit;
using google::protobuf::util::MessageDifferencer;
constexpr v1::Confidentiality kAll = v1::CONFIDENTIALITY_ZEER_GEHEIM;
constexpr v1::Confidentiality kPublic = v1::CONFIDENTIALITY_OPENBAAR;

class CachedGetProgramme : public ::testing::Test {
 protected:
  void SetUp() override {
    store_.SetNow(tk::TestNow());
    Run(tk::DraftCmd());
    Run(tk::ProposeCmd("e1"));
    v1::Command secret = tk::ProposeCmd("e2");
    secret.mutable_propose_experiment()->set_confidentiality(v1::CONFIDENTIALITY_VERTROUWELIJK);
    Run(secret);
    v1::Command other = tk::DraftCmd();
    views::testing::Retarget(&other, "other");
    Run(other);
  }
  void Run(const v1::Command& c) {
    auto r = store_.Run(c);
    ASSERT_TRUE(r.ok()) << c.ShortDebugString() << ": " << r.status();
  }
  static v1::GetProgrammeRequest Request() {
    v1::GetProgrammeRequest req;
    req.set_programme_id(tk::kPid);
    return req;
  }
  static QueryScope Scope(v1::Confidentiality clearance) {
    QueryScope scope;
    scope.clearance = clearance;
    return scope;
  }
  v1::GetProgrammeResponse Get(v1::Confidentiality clearance) {
    auto r = queries_.GetProgramme(Request(), Scope(clearance));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : v1::GetProgrammeResponse();
  }
  // What a client parses from the RPC's answer (Queries::GetProgrammeToSend).
  v1::GetProgrammeResponse Sent(v1::Confidentiality clearance) {
    v1::GetProgrammeResponse out;
    absl::Status s = queries_.GetProgrammeToSend(Request(), Scope(clearance), &out);
    EXPECT_TRUE(s.ok()) << s;
    v1::GetProgrammeResponse parsed;
    EXPECT_TRUE(parsed.ParseFromString(out.SerializeAsString()));
    EXPECT_TRUE(parsed.GetReflection()->GetUnknownFields(parsed).empty());
    return parsed;
  }
  // The response without its as_of positions, serialized.
  static std::string Content(v1::GetProgrammeResponse r) {
    r.clear_as_of_position();
    r.mutable_view()->clear_as_of_position();
    return r.SerializeAsString();
  }
  views::testing::ViewsStore store_;
  Queries queries_{&store_.store()};
  Queries uncached_{&store_.store(), 0};
};

TEST_F(CachedGetProgramme, ServesAnUnchangedProgrammeWithTheReadersPosition) {
  const v1::GetProgrammeResponse first = Get(kAll);
  EXPECT_EQ(first.view().experiments_size(), 2);
  const v1::GetProgrammeResponse again = Get(kAll);
  EXPECT_EQ(queries_.cached_programme_hits(), 1u);
  EXPECT_EQ(again.SerializeAsString(), first.SerializeAsString());
  // An event of another programme moves the position, not the view.
  v1::Command other = tk::ProposeCmd("x1");
  views::testing::Retarget(&other, "other");
  Run(other);
  const v1::GetProgrammeResponse later = Get(kAll);
  EXPECT_EQ(queries_.cached_programme_hits(), 2u);
  EXPECT_GT(later.as_of_position(), first.as_of_position());
  EXPECT_EQ(later.view().as_of_position(), later.as_of_position());
  EXPECT_EQ(Content(later), Content(first));
  auto fresh = uncached_.GetProgramme(Request(), Scope(kAll));
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->SerializeAsString(), later.SerializeAsString());
}

// The RPC answers a hit with the stored bytes and this reader's positions appended: a client
// parses exactly the assembled response, with its own as_of positions.
TEST_F(CachedGetProgramme, StoredBytesSentOnAHitParseAsTheAssembledResponse) {
  const v1::GetProgrammeResponse first = Sent(kAll);  // assembled, then stored
  EXPECT_EQ(first.view().experiments_size(), 2);
  const v1::GetProgrammeResponse again = Sent(kAll);  // from the stored bytes
  EXPECT_EQ(queries_.cached_programme_hits(), 1u);
  EXPECT_TRUE(MessageDifferencer::Equals(again, first)) << again.ShortDebugString();
  v1::Command other = tk::ProposeCmd("x1");
  views::testing::Retarget(&other, "other");
  Run(other);
  const v1::GetProgrammeResponse later = Sent(kAll);
  EXPECT_EQ(queries_.cached_programme_hits(), 2u);
  EXPECT_GT(later.as_of_position(), first.as_of_position());
  EXPECT_EQ(later.view().as_of_position(), later.as_of_position());
  auto fresh = uncached_.GetProgramme(Request(), Scope(kAll));
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_TRUE(MessageDifferencer::Equals(later, *fresh)) << later.ShortDebugString();
  // A reader of lower clearance is not served the stored answer of a higher one.
  const v1::GetProgrammeResponse open = Sent(kPublic);
  EXPECT_EQ(open.view().experiments_size(), 1);
}

TEST_F(CachedGetProgramme, AnExperimentEventIsSeenAtOnce) {
  const v1::GetProgrammeResponse before = Get(kAll);
  Run(tk::WithdrawCmd("e1", "Geen trekker meer"));
  const v1::GetProgrammeResponse after = Get(kAll);
  EXPECT_EQ(queries_.cached_programme_hits(), 0u);
  EXPECT_NE(Content(after), Content(before));
  ASSERT_EQ(after.view().experiments_size(), 2);
  EXPECT_EQ(after.view().experiments(0).status(), v1::EXPERIMENT_STATUS_WITHDRAWN);
}

TEST_F(CachedGetProgramme, ReadersOfAnotherClearanceGetTheirOwnView) {
  EXPECT_EQ(Get(kAll).view().experiments_size(), 2);
  EXPECT_EQ(Get(kPublic).view().experiments_size(), 1);
  EXPECT_EQ(Get(kPublic).view().experiments_size(), 1);
  EXPECT_EQ(Get(kAll).view().experiments_size(), 2);
  EXPECT_EQ(queries_.cached_programme_hits(), 2u);
}

TEST(ProgrammeCacheLimits, DropsTheLeastRecentlyUsedEntriesAndKeepsTheNewestStamp) {
  v1::GetProgrammeResponse r;
  r.set_as_of_position(7);
  r.mutable_view()->set_programme_id("a");
  const size_t one = ProgrammeCache::CostOf({"a", kAll}, r.ByteSizeLong());
  ProgrammeCache cache(2 * one + one / 2);  // room for two
  cache.Put({"a", kAll}, {5, 20250303}, r);
  cache.Put({"b", kAll}, {6, 20250303}, r);
  EXPECT_TRUE(cache.Find({"a", kAll}, {5, 20250303}).has_value());  // a is now the most recent
  cache.Put({"c", kAll}, {8, 20250303}, r);
  EXPECT_FALSE(cache.Find({"b", kAll}, {6, 20250303}).has_value());
  EXPECT_TRUE(cache.Find({"a", kAll}, {5, 20250303}).has_value());
  EXPECT_TRUE(cache.Find({"c", kAll}, {8, 20250303}).has_value());
  EXPECT_FALSE(cache.Find({"a", kAll}, {5, 20250304}).has_value());  // another day
  cache.Put({"a", kAll}, {9, 20250303}, r);
  cache.Put({"a", kAll}, {5, 20250303}, r);  // an older reader does not overwrite the newer one
  EXPECT_FALSE(cache.Find({"a", kAll}, {5, 20250303}).has_value());
  EXPECT_TRUE(cache.Find({"a", kAll}, {9, 20250303}).has_value());
  EXPECT_TRUE(cache.Find({"c", kAll}, {8, 20250303}).has_value());  // replacing a kept the count
  ProgrammeCache none(0);
  none.Put({"a", kAll}, {5, 20250303}, r);
  EXPECT_FALSE(none.Find({"a", kAll}, {5, 20250303}).has_value());
}

}  // namespace
}  // namespace proeftuin::api
