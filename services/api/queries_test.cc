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

// The programme's own state in GetProgramme and ListProgrammes names no experiment the reader
// may not see: not its allocation, not as the subject of council input (the view already
// leaves them out; the state beside it did not).
TEST_F(CachedGetProgramme, TheProgrammesStateNamesNoHiddenExperiment) {
  auto run_as = [this](const v1::Command& c, const std::string& role) {
    auto r = store_.Run(c, role);
    ASSERT_TRUE(r.ok()) << c.ShortDebugString() << ": " << r.status();
  };
  run_as(tk::SelectCmd("e1", {tk::YearEur(2025, 10'000)}), "college");
  run_as(tk::SelectCmd("e2", {tk::YearEur(2025, 20'000)}), "college");
  run_as(tk::SubmitCmd(), "council_clerk");
  v1::Command input = tk::RecordInputCmd("wb-1");
  input.mutable_record_council_input()->set_concerns_experiment_id("e2");
  run_as(input, "council_clerk");
  auto names_e2 = [](const v1::ProgrammeState& p) {
    bool named = false;
    for (const auto& a : p.allocations()) named |= a.experiment_id() == "e2";
    for (const auto& i : p.council_inputs()) named |= i.experiment_id() == "e2";
    return named;
  };
  EXPECT_TRUE(names_e2(Get(kAll).programme()));
  const v1::ProgrammeState seen = Get(kPublic).programme();
  EXPECT_FALSE(names_e2(seen)) << seen.ShortDebugString();
  ASSERT_EQ(seen.allocations_size(), 1);
  EXPECT_EQ(seen.allocations(0).experiment_id(), "e1");
  ASSERT_EQ(seen.council_inputs_size(), 1);  // the input itself is the programme's
  EXPECT_FALSE(names_e2(Sent(kPublic).programme()));
  EXPECT_FALSE(names_e2(Get(kPublic).programme()));  // from the cache too
  v1::ListProgrammesRequest list;
  QueryScope scope;
  scope.clearance = kPublic;
  auto listed = queries_.ListProgrammes(list, scope);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_GE(listed->programmes_size(), 1);
  for (const auto& p : listed->programmes()) EXPECT_FALSE(names_e2(p)) << p.programme_id();
  scope.clearance = kAll;
  listed = queries_.ListProgrammes(list, scope);
  ASSERT_TRUE(listed.ok()) << listed.status();
  bool named = false;
  for (const auto& p : listed->programmes()) named |= names_e2(p);
  EXPECT_TRUE(named);
}

// A query's min_position past the log's end is refused at once, naming the field.
TEST_F(CachedGetProgramme, AMinPositionPastTheLogsEndIsOutOfRange) {
  v1::GetProgrammeRequest r = Request();
  r.set_min_position(store_.store().LastPosition() + 1);
  QueryScope scope = Scope(kAll);
  scope.deadline = absl::Now() + absl::Seconds(30);
  const absl::Time asked = absl::Now();
  auto got = queries_.GetProgramme(r, scope);
  EXPECT_EQ(got.status().code(), absl::StatusCode::kOutOfRange) << got.status();
  EXPECT_NE(got.status().message().find("min_position: "), absl::string_view::npos);
  EXPECT_LT(absl::Now() - asked, absl::Seconds(20));
  r.set_min_position(store_.store().LastPosition());
  EXPECT_TRUE(queries_.GetProgramme(r, scope).ok());
}

// Ids are checked as commands check them: one no command accepts is INVALID_ARGUMENT naming the
// field and PT-ID-INVALID, not the NOT_FOUND of an unknown one. A page token that no response
// handed out is INVALID_ARGUMENT naming page_token; a real one pages on.
TEST_F(CachedGetProgramme, MalformedIdsAndPageTokensAreInvalidArguments) {
  v1::GetProgrammeRequest r = Request();
  r.set_programme_id("LV 2024");
  auto got = queries_.GetProgramme(r, Scope(kAll));
  EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument) << got.status();
  EXPECT_NE(got.status().message().find("PT-ID-INVALID"), absl::string_view::npos) << got.status();
  EXPECT_NE(got.status().message().find("programme_id"), absl::string_view::npos) << got.status();
  r.set_programme_id("bestaat-niet");
  EXPECT_EQ(queries_.GetProgramme(r, Scope(kAll)).status().code(), absl::StatusCode::kNotFound);

  v1::ListProgrammesRequest list;
  list.set_page_size(1);
  auto first = queries_.ListProgrammes(list, Scope(kAll));
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_FALSE(first->next_page_token().empty());
  list.set_page_token(first->next_page_token());
  auto second = queries_.ListProgrammes(list, Scope(kAll));
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(second->programmes_size(), 1);
  EXPECT_NE(second->programmes(0).programme_id(), first->programmes(0).programme_id());
  list.set_page_token("Niet/Geldig");
  auto bad = queries_.ListProgrammes(list, Scope(kAll));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument) << bad.status();
  EXPECT_EQ(bad.status().message().rfind("page_token: ", 0), 0u) << bad.status();
  v1::ListExperimentsRequest experiments;
  experiments.set_programme_id(tk::kPid);
  experiments.set_page_token("Niet/Geldig");
  auto bad_experiments = queries_.ListExperiments(experiments, Scope(kAll));
  EXPECT_EQ(bad_experiments.status().code(), absl::StatusCode::kInvalidArgument)
      << bad_experiments.status();
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
