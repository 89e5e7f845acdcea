// CommandHandler: a retry whose earlier attempt lands while the retry is being decided gets the
// earlier attempt's result, not the rule its own effect would break. Real RocksDB store with
// every projection (views/testing), commands through the real handler.
#include <gtest/gtest.h>

#include <future>
#include <string>
#include <vector>

#include "app/command_handler.h"
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

CallContext Call(const std::string& request_id) {
  CallContext call;
  call.actor.set_principal_id("programme_manager");
  call.actor.set_role("programme_manager");
  call.options.set_request_id(request_id);
  return call;
}

absl::StatusOr<eventstore::AppendResult> Execute(CommandHandler& handler,
                                                 const v1::Command& command,
                                                 const std::string& request_id) {
  std::promise<absl::StatusOr<eventstore::AppendResult>> answer;
  handler.Execute(command, Call(request_id), [&](absl::StatusOr<eventstore::AppendResult> r) {
    answer.set_value(std::move(r));
  });
  return answer.get_future().get();
}

// A client retries a knowledge session while its first attempt is still on its way; the first
// attempt commits just after the retry looked the request id up and found nothing. A decision
// from state that already holds the session would answer PT-SESSION-EXISTS for the client's own
// session (it did, when the lookup came before the read view was opened). The retry's state is
// the snapshot it looked the request up in, without the session, so it decides to write, and the
// store's writer answers it with the first attempt's stored result.
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
  handler.SetAfterRequestLookupForTesting([&](const std::string& request_id) {
    if (request_id != "session-1" || landed) return;
    landed = true;  // the first attempt runs (and commits) between the retry's lookup and decision
    first = Execute(handler, session, "session-1");
  });
  absl::StatusOr<eventstore::AppendResult> retry = Execute(handler, session, "session-1");
  handler.SetAfterRequestLookupForTesting(nullptr);

  ASSERT_TRUE(landed);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_GT(first->first_position, 0u);
  EXPECT_EQ(retry->first_position, first->first_position);
  EXPECT_EQ(retry->last_position, first->last_position);
  EXPECT_TRUE(retry->duplicate);
  // A later retry finds the stored result in its snapshot and writes nothing.
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

}  // namespace
}  // namespace proeftuin::app
