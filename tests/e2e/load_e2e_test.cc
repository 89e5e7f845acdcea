// End to end under concurrency: racing college selections cannot overspend; SIGTERM under load
// loses no acknowledged command; a subscription sees catch-up, then live, nothing lost or
// doubled.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "domain/example_programme.h"
#include "e2e/e2e_support.h"
#include "lib/command_client.h"
#include "proeftuin/v1/admin_service.grpc.pb.h"
#include "proeftuin/v1/event_service.grpc.pb.h"

namespace proeftuin::e2e {
namespace {

// Runs the example's steps whose labels start with `prefix` (in order).
void RunSteps(E2eTest* t, ServerProcess& server,
              const std::function<const std::string&(const std::string&)>& token,
              const std::string& prefix) {
  auto channel = server.Channel();
  for (const auto& step : domain::ExampleProgrammeSteps()) {
    if (step.label.rfind(prefix, 0) != 0) continue;
    v1::CommandOptions o;
    o.set_request_id("step-" + step.label);
    grpc::Status s =
        clients::SendCommand(channel.get(), Ctx(token(step.role)).get(), step.command, o, nullptr);
    ASSERT_TRUE(s.ok()) << step.label << ": " << s.error_message();
  }
  (void)t;
}

class LoadE2eTest : public E2eTest {
 protected:
  void Seed() {
    auto token = [this](const std::string& role) -> const std::string& { return TokenFor(role); };
    RunSteps(this, *server_, token, "draft");
    RunSteps(this, *server_, token, "propose-");
  }
  int SubscribeThroughCatchUpAndLive(uint32_t max_batch);
  // Records the example programme's knowledge session again with session and request id `id`.
  void RecordSession(grpc::Channel* channel, const std::string& id) {
    v1::Command c;
    for (const auto& step : domain::ExampleProgrammeSteps()) {
      if (step.command.has_record_knowledge_session()) c = step.command;
    }
    c.mutable_record_knowledge_session()->set_session_id(id);
    v1::CommandOptions o;
    o.set_request_id(id);
    EXPECT_TRUE(
        clients::SendCommand(channel, Ctx(TokenFor("programme_manager")).get(), c, o, nullptr).ok());
  }
  // Reads past the catch-up; false when the stream ended before its CaughtUp.
  static bool ReadUntilCaughtUp(grpc::ClientReader<v1::SubscribeResponse>& reader) {
    v1::SubscribeResponse msg;
    while (reader.Read(&msg)) {
      if (msg.has_caught_up()) return true;
    }
    return false;
  }
  // An EventService.Subscribe call as the integration reader, on `ctx`.
  std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> SubscribeAsReader(
      v1::EventService::Stub& events, grpc::ClientContext* ctx, const v1::SubscribeRequest& req) {
    ctx->AddMetadata("authorization", "Bearer " + TokenFor("integration_reader"));
    return events.Subscribe(ctx, req);
  }
};

TEST_F(LoadE2eTest, RacingSelectionsCannotOverspendTheYearBudget) {
  Seed();
  v1::GetProgrammeRequest get;
  get.set_programme_id(domain::kExampleProgrammeId);
  v1::GetProgrammeResponse programme;
  ASSERT_TRUE(programmes_->GetProgramme(Ctx(TokenFor("college")).get(), get, &programme).ok());
  const auto& year = programme.programme().design().budget().years(0);
  // Each selection alone fits the year; any two together do not.
  int64_t each = year.amount().cents() * 6 / 10;
  std::vector<std::string> experiments;
  for (const auto& step : domain::ExampleProgrammeSteps()) {  // the ones selectable at this point
    if (step.command.has_select_experiment() && experiments.size() < 4) {
      experiments.push_back(step.command.select_experiment().experiment_id());
    }
  }
  ASSERT_EQ(experiments.size(), 4u);
  std::atomic<int> ok{0}, over{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      v1::Command c;
      v1::SelectExperiment* s = c.mutable_select_experiment();
      s->set_programme_id(domain::kExampleProgrammeId);
      s->set_experiment_id(experiments[i]);
      v1::BudgetYearAmount* a = s->add_allocation();
      a->set_year(year.year());
      a->mutable_amount()->set_cents(each);
      v1::CommandOptions o;
      o.set_request_id("race-select-" + std::to_string(i));
      auto ctx = Ctx(TokenFor("college"));
      grpc::Status st = clients::SendCommand(server_->Channel().get(), ctx.get(), c, o, nullptr);
      if (st.ok()) {
        ++ok;
      } else {
        EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << st.error_message();
        EXPECT_NE(st.error_message().find("PT-BUDGET"), std::string::npos) << st.error_message();
        ++over;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(over.load(), 3);
  ASSERT_TRUE(programmes_->GetProgramme(Ctx(TokenFor("college")).get(), get, &programme).ok());
  int64_t allocated = 0;
  for (const auto& a : programme.programme().allocations()) {
    for (const auto& y : a.allocation()) allocated += y.amount().cents();
  }
  EXPECT_EQ(allocated, each);
}

TEST_F(LoadE2eTest, SigtermUnderLoadLosesNoAcknowledgedCommand) {
  Seed();
  std::string experiment;
  for (const auto& step : domain::ExampleProgrammeSteps()) {
    if (step.command.has_propose_experiment())
      experiment = step.command.propose_experiment().experiment_id();
  }
  // Amendments before selection are accepted any number of times: a command we can repeat.
  std::mutex mu;
  std::map<std::string, uint64_t> acked;
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients_;
  auto channel = server_->Channel();
  for (int t = 0; t < 8; ++t) {
    clients_.emplace_back([&, t] {
      for (int i = 0; !stop.load(); ++i) {
        v1::Command c;
        v1::RecordKnowledgeSession* k = c.mutable_record_knowledge_session();
        for (const auto& step : domain::ExampleProgrammeSteps()) {
          if (step.command.has_record_knowledge_session())
            *k = step.command.record_knowledge_session();
        }
        std::string id = "load-" + std::to_string(t) + "-" + std::to_string(i);
        k->set_session_id(id);
        v1::CommandOptions o;
        o.set_request_id(id);
        v1::CommandResult r;
        if (clients::SendCommand(channel.get(), Ctx(TokenFor("programme_manager"), 5000).get(), c,
                                 o, &r)
                .ok()) {
          std::lock_guard<std::mutex> l(mu);
          acked[id] = r.first_position();
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  int status = server_->Stop(SIGTERM);
  stop.store(true);
  for (auto& c : clients_) c.join();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  ASSERT_GT(acked.size(), 10u);

  server_->Start();
  auto events = v1::EventService::NewStub(server_->Channel());
  std::map<std::string, uint64_t> stored;
  v1::ReadAllRequest all;
  all.set_max_count(1000);
  uint64_t expected_position = 1;
  for (uint64_t from = 1;;) {
    all.set_from_position(from);
    v1::ReadAllResponse page;
    ASSERT_TRUE(events->ReadAll(Ctx(TokenFor("administrator")).get(), all, &page).ok());
    for (const auto& e : page.events()) {
      EXPECT_EQ(e.header().position(), expected_position++);
      stored[e.header().request_id()] = e.header().position();
    }
    if (page.end_of_log()) break;
    from = page.next_position();
  }
  for (const auto& [id, pos] : acked) {
    auto it = stored.find(id);
    ASSERT_NE(it, stored.end()) << "acknowledged " << id << " lost";
    EXPECT_EQ(it->second, pos);
  }
}

// Subscribes from the start with `max_batch`, writes 40 sessions while it listens, and checks
// that every position arrives once and in order; returns the largest number of events that came
// in one message.
int LoadE2eTest::SubscribeThroughCatchUpAndLive(uint32_t max_batch) {
  Seed();
  auto channel = server_->Channel();
  auto events = v1::EventService::NewStub(channel);
  grpc::ClientContext ctx;
  v1::SubscribeRequest req;
  req.set_max_batch(max_batch);
  auto reader = SubscribeAsReader(*events, &ctx, req);
  std::thread writer([&] {
    for (int i = 0; i < 40; ++i) RecordSession(channel.get(), "live-" + std::to_string(i));
  });
  std::vector<uint64_t> positions;
  int caught_up = 0;
  size_t live_sessions = 0;
  int largest = 0;
  v1::SubscribeResponse msg;
  auto take = [&](const v1::Event& e) {
    positions.push_back(e.header().position());
    if (e.header().request_id().rfind("live-", 0) == 0) ++live_sessions;
  };
  while (live_sessions < 40 && reader->Read(&msg)) {
    if (msg.has_caught_up()) ++caught_up;
    if (msg.has_event()) {
      EXPECT_LE(max_batch, 1u) << "a single event although batches were asked for";
      take(msg.event());
      largest = std::max(largest, 1);
    }
    for (const v1::Event& e : msg.events().events()) take(e);
    largest = std::max(largest, msg.events().events_size());
  }
  writer.join();
  ctx.TryCancel();
  EXPECT_EQ(caught_up, 1);
  EXPECT_EQ(live_sessions, 40u);
  for (size_t i = 0; i < positions.size(); ++i) EXPECT_EQ(positions[i], i + 1);
  EXPECT_LE(largest, static_cast<int>(std::max<uint32_t>(max_batch, 1)));
  return largest;
}

TEST_F(LoadE2eTest, SubscriptionCatchesUpThenGoesLiveWithNothingLostOrDoubled) {
  EXPECT_EQ(SubscribeThroughCatchUpAndLive(0), 1);
}

TEST_F(LoadE2eTest, BatchedSubscriptionDeliversTheSameEventsInFewerMessages) {
  // The catch-up over the seeded programme has every event ready at once: they share messages.
  EXPECT_GT(SubscribeThroughCatchUpAndLive(16), 1);
}

// Live events written one after another (each after the last was acknowledged) travel alone
// without a delay; with max_delay_ms the server holds each first event that long, so the ones
// written meanwhile share its message. Nothing is lost, doubled or reordered.
TEST_F(LoadE2eTest, DelayedBatchesGatherLiveEventsThatArriveOneByOne) {
  Seed();
  auto channel = server_->Channel();
  auto events = v1::EventService::NewStub(channel);
  grpc::ClientContext ctx;
  v1::SubscribeRequest req;
  req.set_max_batch(4);
  req.set_max_delay_ms(100);
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));  // fail, not hang
  const auto started = std::chrono::steady_clock::now();
  auto reader = SubscribeAsReader(*events, &ctx, req);
  v1::SubscribeResponse msg;
  std::vector<uint64_t> positions;
  auto take = [&](const v1::Event& e) { positions.push_back(e.header().position()); };
  while (reader->Read(&msg) && !msg.has_caught_up()) {
    for (const v1::Event& e : msg.events().events()) take(e);
  }
  ASSERT_TRUE(msg.has_caught_up());
  const uint64_t head = msg.caught_up().position();
  // Catching up is not held back: the delay applies to live events only. Holding every batch of
  // 4 for 100 ms would take (head / 4) * 100 ms.
  const auto catch_up = std::chrono::steady_clock::now() - started;
  ASSERT_GE(head, 16u);
  EXPECT_LT(catch_up, std::chrono::milliseconds(head / 4 * 100 / 2)) << head << " events";
  std::thread writer([&] {
    for (int i = 0; i < 20; ++i) RecordSession(channel.get(), "delayed-" + std::to_string(i));
  });
  size_t live = 0;
  int largest = 0;
  int messages = 0;
  while (live < 20 && reader->Read(&msg)) {
    EXPECT_FALSE(msg.has_event()) << "a single event although batches were asked for";
    for (const v1::Event& e : msg.events().events()) {
      take(e);
      if (e.header().request_id().rfind("delayed-", 0) == 0) ++live;
    }
    if (msg.events().events_size() > 0) ++messages;
    largest = std::max(largest, msg.events().events_size());
  }
  writer.join();
  ctx.TryCancel();
  EXPECT_EQ(live, 20u);
  for (size_t i = 0; i < positions.size(); ++i) EXPECT_EQ(positions[i], i + 1);
  EXPECT_GT(positions.size(), head);
  EXPECT_GT(largest, 1);
  EXPECT_LT(messages, 20);
}

// Subscriptions hold no server thread (callback API): many may be open, those cancelled by their
// clients are released on the server, and the ones left still receive live events.
TEST_F(LoadE2eTest, CancelledSubscriptionsAreReleasedAndTheOthersStayLive) {
  Seed();
  auto channel = server_->Channel();
  auto events = v1::EventService::NewStub(channel);
  auto admin = v1::AdminService::NewStub(channel);
  auto live_on_server = [&] {
    v1::GetStatisticsResponse stats;
    grpc::Status s =
        admin->GetStatistics(Ctx(TokenFor("administrator")).get(), v1::GetStatisticsRequest(), &stats);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return stats.live_subscriptions();
  };
  constexpr int kStreams = 40;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>>> readers;
  v1::SubscribeRequest req;
  req.set_max_batch(10);
  for (int i = 0; i < kStreams; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    contexts.back()->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    readers.push_back(SubscribeAsReader(*events, contexts.back().get(), req));
  }
  v1::SubscribeResponse msg;
  for (auto& r : readers) {
    ASSERT_TRUE(ReadUntilCaughtUp(*r));
  }
  EXPECT_EQ(live_on_server(), static_cast<uint64_t>(kStreams));
  for (int i = 1; i < kStreams; ++i) contexts[i]->TryCancel();
  uint64_t left = 0;
  for (int tries = 0; tries < 200 && (left = live_on_server()) != 1; ++tries) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(left, 1u) << "cancelled subscriptions are still held by the server";
  RecordSession(channel.get(), "after-cancel");
  bool delivered = false;
  while (!delivered && readers[0]->Read(&msg)) {
    for (const v1::Event& e : msg.events().events()) {
      delivered = delivered || e.header().request_id() == "after-cancel";
    }
  }
  EXPECT_TRUE(delivered);
  contexts[0]->TryCancel();
}

// A shutdown (SIGTERM) ends live subscriptions with OK after what was sent, and the server exits
// cleanly and at once: a subscription does not hold it up.
TEST_F(LoadE2eTest, ShutdownEndsLiveSubscriptionsWithOk) {
  Seed();
  auto events = v1::EventService::NewStub(server_->Channel());
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  v1::SubscribeRequest req;
  req.set_max_batch(100);
  req.set_max_delay_ms(100);
  auto reader = SubscribeAsReader(*events, &ctx, req);
  v1::SubscribeResponse msg;
  ASSERT_TRUE(ReadUntilCaughtUp(*reader));
  // Written just before the shutdown: it reaches the subscriber before the stream ends. (The
  // server may hold it up to 100 ms for company; whether the shutdown reaches the stream within
  // that hold depends on timing, so this does not single out the flush on Stop().)
  RecordSession(server_->Channel().get(), "just-before-stop");
  const auto stopping = std::chrono::steady_clock::now();
  int status = server_->Stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << server_->Log();
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, std::chrono::seconds(5));
  bool delivered = false;
  while (reader->Read(&msg)) {
    for (const v1::Event& e : msg.events().events()) {
      delivered = delivered || e.header().request_id() == "just-before-stop";
    }
  }
  EXPECT_TRUE(delivered) << "an event committed before the shutdown was not sent";
  grpc::Status s = reader->Finish();
  EXPECT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
}

// A subscription whose filter matches nothing still learns how far the log was scanned: the
// server sends a Checkpoint within the checkpoint interval (5 s) after events pass it by. The
// fan-out thread looks at idle subscriptions even when nothing for them was committed.
TEST_F(LoadE2eTest, FilteredSubscriptionGetsACheckpointWhenNothingMatches) {
  Seed();
  auto channel = server_->Channel();
  auto events = v1::EventService::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  v1::SubscribeRequest req;
  req.set_stream_prefix("no-such-stream/");
  req.set_max_batch(10);
  auto reader = SubscribeAsReader(*events, &ctx, req);
  v1::SubscribeResponse msg;
  ASSERT_TRUE(reader->Read(&msg));
  ASSERT_TRUE(msg.has_caught_up()) << msg.DebugString();
  const uint64_t head = msg.caught_up().position();
  RecordSession(channel.get(), "passed-by");
  const auto written = std::chrono::steady_clock::now();
  ASSERT_TRUE(reader->Read(&msg));
  EXPECT_TRUE(msg.has_checkpoint()) << msg.DebugString();
  EXPECT_GT(msg.checkpoint().position(), head) << "the checkpoint must cover the new event";
  EXPECT_LT(std::chrono::steady_clock::now() - written, std::chrono::seconds(8));
  ctx.TryCancel();
}

// Subscribes with `req` and expects INVALID_ARGUMENT naming `field` before any message.
void ExpectSubscribeRefused(ServerProcess& server, const std::string& token,
                            const v1::SubscribeRequest& req, const std::string& field) {
  auto events = v1::EventService::NewStub(server.Channel());
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + token);
  auto reader = events->Subscribe(&ctx, req);
  v1::SubscribeResponse msg;
  EXPECT_FALSE(reader->Read(&msg));
  grpc::Status s = reader->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find(field), std::string::npos) << s.error_message();
}

TEST_F(LoadE2eTest, SubscriptionRefusesADelayAboveTheLimit) {
  v1::SubscribeRequest req;
  req.set_max_batch(10);
  req.set_max_delay_ms(101);
  ExpectSubscribeRefused(*server_, TokenFor("integration_reader"), req, "max_delay_ms");
}

TEST_F(LoadE2eTest, SubscriptionRefusesABatchAboveTheLimit) {
  v1::SubscribeRequest req;
  req.set_max_batch(1001);
  ExpectSubscribeRefused(*server_, TokenFor("integration_reader"), req, "max_batch");
}

}  // namespace
}  // namespace proeftuin::e2e
