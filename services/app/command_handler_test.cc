// CommandHandler: a retry whose earlier attempt lands while the retry is being decided gets the
// earlier attempt's result, not the rule its own effect would break. Real RocksDB store with
// every projection (views/testing), commands through the real handler.
#include <gtest/gtest.h>

#include <future>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "app/command_handler.h"
#include "eventstore/sha256.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "domain/dates.h"
#include "domain/example_programme.h"
#include "views/testing/views_testing.h"

namespace proeftuin::app {
namespace {

const domain::ExampleStep& Step(const std::string& label) {
  static const std::vector<domain::ExampleStep> steps = domain::ExampleProgrammeSteps();
  for (const auto& step : steps) {
    if (step.label == label) return step;
  }
  ADD_FAILURE() << "the example programme has no step " << label;
  static const domain::ExampleStep none;
  return none;
}

CallContext Call(const std::string& request_id,
                 v1::Confidentiality clearance = v1::CONFIDENTIALITY_ZEER_GEHEIM) {
  CallContext call;
  call.actor.set_principal_id("programme_manager");
  call.actor.set_role("programme_manager");
  call.clearance = clearance;
  call.options.set_request_id(request_id);
  return call;
}

absl::StatusOr<eventstore::AppendResult> Execute(
    CommandHandler& handler, const v1::Command& command, const std::string& request_id,
    v1::Confidentiality clearance = v1::CONFIDENTIALITY_ZEER_GEHEIM) {
  std::promise<absl::StatusOr<eventstore::AppendResult>> answer;
  handler.Execute(command, Call(request_id, clearance), [&](absl::StatusOr<eventstore::AppendResult> r) {
    answer.set_value(std::move(r));
  });
  return answer.get_future().get();
}

// A client retries a knowledge session while its first attempt is still on its way; the first
// attempt commits just after the retry opened its read view. A decision from state that already
// holds the session would answer PT-SESSION-EXISTS for the client's own session (it did, when
// the request was looked up before the read view was opened). The retry's state is its
// snapshot, without the session, so it decides to write, and the store's writer answers it with
// the first attempt's stored result.
TEST(CommandHandler, ARetryWhoseFirstAttemptLandsMeanwhileGetsTheFirstAttemptsResult) {
  views::testing::ViewsStore store;
  store.SetNow(Step("draft").at);
  auto draft = store.Run(Step("draft").command);
  ASSERT_TRUE(draft.ok()) << draft.status();
  store.SetNow(Step("session-college").at);
  v1::Command session = Step("session-college").command;
  // With an id, a second session of the same id breaks PT-SESSION-EXISTS.
  session.mutable_record_knowledge_session()->set_session_id("ks-retried");
  CommandHandler& handler = store.handler();

  absl::StatusOr<eventstore::AppendResult> first;
  bool landed = false;
  handler.SetBeforeDecisionForTesting([&](const std::string& request_id) {
    if (request_id != "session-1" || landed) return;
    landed = true;  // the first attempt runs (and commits) between the retry's view and decision
    first = Execute(handler, session, "session-1");
  });
  absl::StatusOr<eventstore::AppendResult> retry = Execute(handler, session, "session-1");
  handler.SetBeforeDecisionForTesting(nullptr);

  ASSERT_TRUE(landed);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_GT(first->first_position, 0u);
  EXPECT_EQ(retry->first_position, first->first_position);
  EXPECT_EQ(retry->last_position, first->last_position);
  EXPECT_TRUE(retry->duplicate);
  // A later retry, whose decision breaks PT-SESSION-EXISTS, finds the stored result in its
  // snapshot and writes nothing.
  const uint64_t groups = store.store().Stats().groups_committed;
  auto later = Execute(handler, session, "session-1");
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_TRUE(later->duplicate);
  EXPECT_EQ(later->first_position, first->first_position);
  EXPECT_EQ(store.store().Stats().groups_committed, groups);
  // and the session is there once
  auto again = Execute(handler, session, "session-2");
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists) << again.status();
}

// A retry whose first attempt is in the store, and which the rules would let write again (a
// session without an id of its own), is answered by the writer with the stored result: the same
// positions, marked duplicate, and nothing written.
TEST(CommandHandler, ARetryThatWouldWriteAgainGetsTheStoredResultAndWritesNothing) {
  views::testing::ViewsStore store;
  store.SetNow(Step("draft").at);
  ASSERT_TRUE(store.Run(Step("draft").command).ok());
  store.SetNow(Step("session-college").at);
  v1::Command session = Step("session-college").command;
  session.mutable_record_knowledge_session()->clear_session_id();
  CommandHandler& handler = store.handler();

  auto first = Execute(handler, session, "session-once");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE(first->duplicate);
  const uint64_t groups = store.store().Stats().groups_committed;
  const uint64_t events = store.store().Stats().events_appended;
  auto retry = Execute(handler, session, "session-once");
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(retry->first_position, first->first_position);
  EXPECT_EQ(retry->last_position, first->last_position);
  EXPECT_EQ(store.store().Stats().groups_committed, groups);
  EXPECT_EQ(store.store().Stats().events_appended, events);
  // The same request id for another command is refused, and writes nothing either.
  v1::Command other = session;
  other.mutable_record_knowledge_session()->set_attendee_count(
      session.record_knowledge_session().attendee_count() + 1);
  auto reused = Execute(handler, other, "session-once");
  EXPECT_EQ(reused.status().code(), absl::StatusCode::kAlreadyExists) << reused.status();
  EXPECT_NE(reused.status().message().find("PT-REQUEST-REUSED"), std::string::npos)
      << reused.status();
  EXPECT_EQ(store.store().Stats().events_appended, events);
  // and without the request id, the same session is a second one
  auto second = Execute(handler, session, "session-twice");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE(second->duplicate);
  EXPECT_GT(second->first_position, first->last_position);
}

// A request id or business date the store would refuse on a write is refused before anything is
// decided, also for a command that turns out to change nothing (it was answered OK), naming the
// field: INVALID_ARGUMENT, and nothing written.
TEST(CommandHandler, AMalformedRequestIdOrBusinessDateIsRefusedAlsoWhenNothingWouldChange) {
  views::testing::ViewsStore store;
  store.SetNow(Step("draft").at);
  ASSERT_TRUE(store.Run(Step("draft").command).ok());
  CommandHandler& handler = store.handler();
  v1::Command again;  // the programme amended to the design it has: nothing changes
  again.mutable_amend_programme()->set_programme_id(
      Step("draft").command.draft_programme().programme_id());
  *again.mutable_amend_programme()->mutable_design() =
      Step("draft").command.draft_programme().design();
  again.mutable_amend_programme()->set_reason("controle");
  auto no_op = Execute(handler, again, "amend-to-the-same");
  ASSERT_TRUE(no_op.ok()) << no_op.status();
  const uint64_t events = store.store().Stats().events_appended;
  for (const std::string& id :
       {std::string("met spatie"), std::string(129, 'a'), std::string("é")}) {
    auto r = Execute(handler, again, id);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << id;
    EXPECT_NE(r.status().message().find("options.request_id"), std::string::npos) << r.status();
  }
  EXPECT_TRUE(Execute(handler, again, std::string(128, 'a')).ok());
  for (const v1::Date& d : {domain::MakeDate(0, 6, 1), domain::MakeDate(1850, 6, 1),
                            domain::MakeDate(2024, 2, 30)}) {
    CallContext call = Call("dated-" + std::to_string(d.year()) + "-" + std::to_string(d.day()));
    *call.options.mutable_occurred_on() = d;
    std::promise<absl::StatusOr<eventstore::AppendResult>> answer;
    handler.Execute(again, call, [&](absl::StatusOr<eventstore::AppendResult> r) {
      answer.set_value(std::move(r));
    });
    absl::StatusOr<eventstore::AppendResult> r = answer.get_future().get();
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << d.DebugString();
    EXPECT_EQ(r.status().message().rfind("PT-DATE-INVALID: options.occurred_on", 0), 0u)
        << r.status();
  }
  // In the future: tomorrow is allowed, as for the commands' own fact dates (time zones).
  const absl::Time now = Step("draft").at;
  for (const auto& [d, ok] : {std::pair{domain::DateOfUtc(now + absl::Hours(24)), true},
                              std::pair{domain::DateOfUtc(now + absl::Hours(48)), false}}) {
    CallContext call = Call("future-" + std::to_string(d.day()));
    *call.options.mutable_occurred_on() = d;
    std::promise<absl::StatusOr<eventstore::AppendResult>> answer;
    handler.Execute(again, call, [&](absl::StatusOr<eventstore::AppendResult> r) {
      answer.set_value(std::move(r));
    });
    absl::StatusOr<eventstore::AppendResult> r = answer.get_future().get();
    EXPECT_EQ(r.ok(), ok) << d.DebugString() << r.status();
    if (!ok) {
      EXPECT_EQ(r.status().message().rfind("PT-DATE-IN-FUTURE: options.occurred_on", 0), 0u)
          << r.status();
    }
  }
  EXPECT_EQ(store.store().Stats().events_appended, events);
}

// The free texts of the options are checked up front and named (rule 5); a reason of 4,000
// characters is stored whatever their UTF-8 length (the store's byte limit is above it).
TEST(CommandHandler, OptionTextsAreCheckedByCharactersAndNamed) {
  views::testing::ViewsStore store;
  store.SetNow(Step("draft").at);
  CommandHandler& handler = store.handler();
  auto run = [&](const std::string& programme_id, const std::string& request_id,
                 void (*set)(v1::CommandOptions*, const std::string&), const std::string& text) {
    v1::Command draft = Step("draft").command;
    draft.mutable_draft_programme()->set_programme_id(programme_id);
    CallContext call = Call(request_id);
    set(&call.options, text);
    std::promise<absl::StatusOr<eventstore::AppendResult>> answer;
    handler.Execute(draft, call, [&](absl::StatusOr<eventstore::AppendResult> r) {
      answer.set_value(std::move(r));
    });
    return answer.get_future().get();
  };
  auto reason = +[](v1::CommandOptions* o, const std::string& t) { o->set_reason(t); };
  auto correlation = +[](v1::CommandOptions* o, const std::string& t) { o->set_correlation_id(t); };
  auto behalf = +[](v1::CommandOptions* o, const std::string& t) { o->set_on_behalf_of(t); };
  std::string euros;
  for (int i = 0; i < 4000; ++i) euros += "\u20ac";  // 12,000 bytes
  auto stored = run("lang-1", "long-reason", reason, euros);
  ASSERT_TRUE(stored.ok()) << stored.status();
  const uint64_t events = store.store().Stats().events_appended;
  const struct {
    void (*set)(v1::CommandOptions*, const std::string&);
    std::string text;
    const char* field;
  } refused[] = {{reason, euros + "x", "options.reason"},
                 {correlation, std::string(201, 'c'), "options.correlation_id"},
                 {behalf, std::string(201, 'b'), "options.on_behalf_of"}};
  for (const auto& r : refused) {
    auto result = run("lang-2", std::string("too-long-") + r.field, r.set, r.text);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << r.field;
    EXPECT_EQ(result.status().message().rfind(std::string("PT-TEXT-TOO-LONG: field ") + r.field, 0),
              0u)
        << result.status();
  }
  EXPECT_EQ(store.store().Stats().events_appended, events);
}

// The chain of programmes runs one way (PT-PREDECESSOR-LOOP): neither an amendment nor a draft
// may make a programme follow itself, also through a predecessor drafted before it existed.
TEST(CommandHandler, AProgrammeCannotFollowItselfThroughTheChain) {
  views::testing::ViewsStore store;
  store.SetNow(Step("draft").at);
  auto draft = [&](const std::string& id, const std::string& predecessor) {
    v1::Command c = Step("draft").command;
    c.mutable_draft_programme()->set_programme_id(id);
    c.mutable_draft_programme()->mutable_design()->set_predecessor_programme_id(predecessor);
    return store.Run(c);
  };
  ASSERT_TRUE(draft("ronde-1", "").ok());
  ASSERT_TRUE(draft("ronde-2", "ronde-1").ok());
  ASSERT_TRUE(draft("ronde-3", "ronde-2").ok());
  v1::Command amend;
  amend.mutable_amend_programme()->set_programme_id("ronde-1");
  *amend.mutable_amend_programme()->mutable_design() =
      Step("draft").command.draft_programme().design();
  amend.mutable_amend_programme()->mutable_design()->set_predecessor_programme_id("ronde-3");
  amend.mutable_amend_programme()->set_reason("keten");
  const uint64_t events = store.store().Stats().events_appended;
  auto looped = store.Run(amend);
  EXPECT_EQ(looped.status().code(), absl::StatusCode::kInvalidArgument) << looped.status();
  EXPECT_EQ(looped.status().message().rfind("PT-PREDECESSOR-LOOP: ", 0), 0u) << looped.status();
  EXPECT_NE(looped.status().message().find(
                "field design.predecessor_programme_id is ronde-3, whose chain of predecessors "
                "leads back to ronde-1"),
            std::string::npos)
      << looped.status();
  // A predecessor that is not in the store is allowed; drafting it later to follow its own
  // successor is not.
  ASSERT_TRUE(draft("later-b", "later-a").ok());
  auto later = draft("later-a", "later-b");
  EXPECT_EQ(later.status().code(), absl::StatusCode::kInvalidArgument) << later.status();
  EXPECT_EQ(store.store().Stats().events_appended, events + 1);
  // A chain that goes elsewhere is fine.
  amend.mutable_amend_programme()->mutable_design()->set_predecessor_programme_id("later-b");
  EXPECT_TRUE(store.Run(amend).ok());
}

// Two amendments race to close a loop: ronde-1 to follow ronde-2, and ronde-2 to follow ronde-1.
// Each alone is fine. The first is decided from a read view taken before the second commits, in
// which ronde-2 has no predecessor; the decision must still not be written (the chain's
// programmes are checked at the versions it read), and decided again it is PT-PREDECESSOR-LOOP.
TEST(CommandHandler, TwoRacingAmendmentsCannotCloseAPredecessorLoop) {
  views::testing::ViewsStore store;
  store.SetNow(Step("draft").at);
  for (const std::string id : {"ronde-1", "ronde-2"}) {
    v1::Command c = Step("draft").command;
    c.mutable_draft_programme()->set_programme_id(id);
    ASSERT_TRUE(store.Run(c).ok()) << id;
  }
  auto follow = [&](const std::string& id, const std::string& predecessor) {
    v1::Command amend;
    amend.mutable_amend_programme()->set_programme_id(id);
    *amend.mutable_amend_programme()->mutable_design() =
        Step("draft").command.draft_programme().design();
    amend.mutable_amend_programme()->mutable_design()->set_predecessor_programme_id(predecessor);
    amend.mutable_amend_programme()->set_reason("keten");
    return amend;
  };
  const uint64_t events = store.store().Stats().events_appended;
  CommandHandler& handler = store.handler();
  absl::StatusOr<eventstore::AppendResult> other;
  bool raced = false;
  handler.SetBeforeDecisionForTesting([&](const std::string& request_id) {
    if (request_id != "amend-1" || raced) return;
    raced = true;  // ronde-2 comes to follow ronde-1 between amend-1's view and its decision
    other = Execute(handler, follow("ronde-2", "ronde-1"), "amend-2");
  });
  absl::StatusOr<eventstore::AppendResult> first =
      Execute(handler, follow("ronde-1", "ronde-2"), "amend-1");
  handler.SetBeforeDecisionForTesting(nullptr);

  ASSERT_TRUE(raced);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(first.status().code(), absl::StatusCode::kInvalidArgument) << first.status();
  EXPECT_EQ(first.status().message().rfind("PT-PREDECESSOR-LOOP: ", 0), 0u) << first.status();
  EXPECT_EQ(store.store().Stats().events_appended, events + 1)
      << "both amendments were written: a loop";
}

// The fingerprint a request is stored with: SHA-256 of the principal id, the options without
// the request id and the command, each serialized deterministically, joined by newlines. Stores
// keep it for good, so it must not change: computed here independently, and looked up with it.
TEST(CommandHandler, TheStoredFingerprintIsTheHashOfTheDeterministicSerializations) {
  views::testing::ViewsStore store;
  store.SetNow(Step("draft").at);
  const v1::Command draft = Step("draft").command;
  CallContext call = Call("draft-fingerprint");
  call.options.set_reason("a reason, so that the options are not empty");
  std::promise<absl::StatusOr<eventstore::AppendResult>> answer;
  store.handler().Execute(draft, call, [&](absl::StatusOr<eventstore::AppendResult> r) {
    answer.set_value(std::move(r));
  });
  ASSERT_TRUE(answer.get_future().get().ok());

  auto deterministic = [](const google::protobuf::Message& m) {
    std::string out;
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    EXPECT_TRUE(m.SerializeToCodedStream(&coded));
    coded.Trim();
    return out;
  };
  v1::CommandOptions options = call.options;
  options.clear_request_id();
  eventstore::Sha256 h;
  h.Update(call.actor.principal_id());
  h.Update(std::string_view("\n", 1));
  h.Update(deterministic(options));
  h.Update(std::string_view("\n", 1));
  h.Update(deterministic(draft));
  const eventstore::Digest digest = h.Finish();
  const std::string expected(eventstore::AsStringView(digest));
  EXPECT_EQ(CommandHandler::Fingerprint(draft, call), expected);
  auto stored = store.store().LookupRequest("draft-fingerprint", expected);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_TRUE(stored->has_value());
}

// A caller cannot find, read or change a programme or experiment above its clearance through a
// command: it gets the answer an unknown id gets, word for word, and nothing is written.
TEST(CommandHandler, AnObjectAboveTheCallersClearanceIsAnsweredAsUnknown) {
  views::testing::ViewsStore store;
  store.SetNow(Step("draft").at);
  ASSERT_TRUE(store.Run(Step("draft").command).ok());
  v1::Command propose = Step("propose-straatgewijze-intake-voorburg-noord").command;
  ASSERT_TRUE(propose.has_propose_experiment());
  propose.mutable_propose_experiment()->set_confidentiality(v1::CONFIDENTIALITY_VERTROUWELIJK);
  store.SetNow(Step("propose-straatgewijze-intake-voorburg-noord").at);
  auto proposed = store.Run(propose, "proposer");
  ASSERT_TRUE(proposed.ok()) << proposed.status();
  const std::string id = propose.propose_experiment().experiment_id();
  CommandHandler& handler = store.handler();

  v1::Command amend;
  v1::AmendExperiment* a = amend.mutable_amend_experiment();
  a->set_programme_id(propose.propose_experiment().programme_id());
  a->set_experiment_id(id);
  *a->mutable_design() = propose.propose_experiment().design();
  a->mutable_design()->set_title("Declassified by someone who cannot see it");
  a->set_confidentiality(v1::CONFIDENTIALITY_OPENBAAR);
  v1::Command unknown = amend;
  unknown.mutable_amend_experiment()->set_experiment_id("no-such-experiment");
  const uint64_t groups = store.store().Stats().groups_committed;
  auto hidden = Execute(handler, amend, "amend-1", v1::CONFIDENTIALITY_INTERN);
  auto absent = Execute(handler, unknown, "amend-2", v1::CONFIDENTIALITY_INTERN);
  EXPECT_EQ(hidden.status().code(), absl::StatusCode::kNotFound) << hidden.status();
  ASSERT_EQ(absent.status().code(), absl::StatusCode::kNotFound) << absent.status();
  std::string expected = absl::StrReplaceAll(absent.status().message(), {{"no-such-experiment", id}});
  EXPECT_EQ(hidden.status().message(), expected);
  EXPECT_EQ(store.store().Stats().groups_committed, groups);
  // A taken id is still taken, whoever asks.
  auto again = Execute(handler, propose, "propose-2", v1::CONFIDENTIALITY_OPENBAAR);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists) << again.status();
  // Cleared, the same amendment is decided.
  auto cleared = Execute(handler, amend, "amend-3", v1::CONFIDENTIALITY_VERTROUWELIJK);
  EXPECT_TRUE(cleared.ok()) << cleared.status();

  // The programme itself above the caller's clearance.
  v1::Command session = Step("session-college").command;
  store.SetNow(Step("session-college").at);
  const std::string programme = session.record_knowledge_session().programme_id();
  v1::Command raise;
  raise.mutable_amend_programme()->set_programme_id(programme);
  *raise.mutable_amend_programme()->mutable_design() = Step("draft").command.draft_programme().design();
  raise.mutable_amend_programme()->set_confidentiality(v1::CONFIDENTIALITY_GEHEIM);
  raise.mutable_amend_programme()->set_reason("Raised to geheim for the test");
  auto raised = Execute(handler, raise, "raise-1");
  ASSERT_TRUE(raised.ok()) << raised.status();
  v1::Command session_elsewhere = session;
  session_elsewhere.mutable_record_knowledge_session()->set_programme_id("no-such-programme");
  auto on_hidden = Execute(handler, session, "session-1", v1::CONFIDENTIALITY_VERTROUWELIJK);
  auto on_absent = Execute(handler, session_elsewhere, "session-2", v1::CONFIDENTIALITY_VERTROUWELIJK);
  EXPECT_EQ(on_hidden.status().code(), absl::StatusCode::kNotFound) << on_hidden.status();
  ASSERT_EQ(on_absent.status().code(), absl::StatusCode::kNotFound) << on_absent.status();
  expected = absl::StrReplaceAll(on_absent.status().message(), {{"no-such-programme", programme}});
  EXPECT_EQ(on_hidden.status().message(), expected);
  EXPECT_TRUE(Execute(handler, session, "session-3", v1::CONFIDENTIALITY_GEHEIM).ok());
}

}  // namespace
}  // namespace proeftuin::app
