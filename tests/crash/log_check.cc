#include "crash/log_check.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>

#include "domain/streams.h"
#include "e2e/server_process.h"
#include "proeftuin/v1/admin_service.grpc.pb.h"
#include "proeftuin/v1/audit_service.grpc.pb.h"
#include "proeftuin/v1/event_service.grpc.pb.h"
#include "proeftuin/v1/programme_service.grpc.pb.h"

namespace proeftuin::crash {
namespace {

constexpr int kReadDeadlineMs = 60000;

std::shared_ptr<grpc::Channel> Unowned(grpc::Channel* channel) {
  return std::shared_ptr<grpc::Channel>(channel, [](grpc::Channel*) {});
}

std::string DeterministicBytes(const google::protobuf::Message& m) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    m.SerializeToCodedStream(&coded);
  }
  return out;
}

// The views of `streams`, by stream, as deterministic bytes (and the messages, for a diff).
std::map<std::string, std::unique_ptr<google::protobuf::Message>> FetchViews(
    grpc::Channel* channel, const std::string& token, const std::set<std::string>& streams, uint64_t head) {
  auto programmes = v1::ProgrammeService::NewStub(Unowned(channel));
  std::map<std::string, std::unique_ptr<google::protobuf::Message>> views;
  for (const std::string& stream : streams) {
    std::optional<domain::StreamIds> ids = domain::ParseStream(stream);
    if (!ids.has_value()) continue;
    grpc::Status s;
    if (ids->experiment_id.empty()) {
      v1::GetProgrammeRequest r;
      r.set_programme_id(ids->programme_id);
      r.set_min_position(head);
      auto view = std::make_unique<v1::GetProgrammeResponse>();
      s = programmes->GetProgramme(e2e::Ctx(token, kReadDeadlineMs).get(), r, view.get());
      views[stream] = std::move(view);
    } else {
      v1::GetExperimentRequest r;
      r.set_programme_id(ids->programme_id);
      r.set_experiment_id(ids->experiment_id);
      r.set_min_position(head);
      auto view = std::make_unique<v1::GetExperimentResponse>();
      s = programmes->GetExperiment(e2e::Ctx(token, kReadDeadlineMs).get(), r, view.get());
      views[stream] = std::move(view);
    }
    EXPECT_TRUE(s.ok()) << stream << ": " << s.error_message();
  }
  return views;
}

void Rebuild(v1::AdminService::Stub& admin, const std::string& token, const std::string& name) {
  auto ctx = e2e::Ctx(token, 300000);
  v1::RebuildProjectionRequest r;
  r.set_name(name);
  auto reader = admin.RebuildProjection(ctx.get(), r);
  v1::RebuildProjectionResponse progress;
  bool done = false;
  while (reader->Read(&progress)) done = done || progress.done();
  grpc::Status s = reader->Finish();
  EXPECT_TRUE(s.ok()) << "rebuilding " << name << ": " << s.error_message();
  EXPECT_TRUE(done) << "rebuilding " << name << " sent no last message";
}

}  // namespace

LogIndex ReadLog(grpc::Channel* channel, const std::string& token) {
  auto events = v1::EventService::NewStub(Unowned(channel));
  LogIndex log;
  v1::ReadAllRequest all;
  all.set_max_count(1000);
  for (uint64_t from = 1;;) {
    all.set_from_position(from);
    v1::ReadAllResponse page;
    grpc::Status s = events->ReadAll(e2e::Ctx(token, kReadDeadlineMs).get(), all, &page);
    if (!s.ok()) {
      ADD_FAILURE() << "ReadAll from " << from << ": " << s.error_message();
      return log;
    }
    for (const auto& e : page.events()) {
      if (e.header().position() != log.head + 1) {
        ADD_FAILURE() << "gap in the log: position " << e.header().position() << " follows " << log.head;
        return log;
      }
      log.head = e.header().position();
      log.positions[e.header().request_id()].push_back(log.head);
      log.streams.insert(e.header().stream());
    }
    if (page.end_of_log()) return log;
    from = page.next_position();
  }
}

Durability CheckDurability(const LogIndex& log, const std::vector<Outcome>& outcomes, const std::string& prefix) {
  Durability d;
  std::set<std::string> sent, acknowledged;
  for (const Outcome& o : outcomes) {
    sent.insert(o.request_id);
    if (!o.status.ok()) continue;
    acknowledged.insert(o.request_id);
    const v1::CommandResult& r = o.result;
    EXPECT_EQ(r.last_position() - r.first_position() + 1, static_cast<uint64_t>(o.events))
        << o.request_id << " (" << o.kind << ") acknowledged " << r.first_position() << ".." << r.last_position();
    auto it = log.positions.find(o.request_id);
    if (it == log.positions.end()) {
      ADD_FAILURE() << "acknowledged " << o.request_id << " (" << o.kind << ", positions " << r.first_position()
                    << ".." << r.last_position() << ", load phases " << o.phase_started << ".." << o.phase_ended
                    << ") is lost; the log ends at " << log.head;
      continue;
    }
    std::vector<uint64_t> expected;
    for (uint64_t p = r.first_position(); p <= r.last_position() && p != 0; ++p) expected.push_back(p);
    EXPECT_EQ(it->second, expected) << "acknowledged " << o.request_id << (r.duplicate() ? " (duplicate answer)" : "")
                                    << " is not where its answer said";
  }
  d.acknowledged = acknowledged.size();
  for (const auto& [id, positions] : log.positions) {
    if (id.rfind(prefix, 0) != 0) continue;
    EXPECT_TRUE(sent.count(id)) << id << " is in the log but was never sent";
    EXPECT_EQ(positions.size(), static_cast<size_t>(ExpectedEvents(id))) << id << " is half-written";
    for (size_t k = 1; k < positions.size(); ++k) {
      EXPECT_EQ(positions[k], positions[0] + k) << id << "'s events are not consecutive";
    }
    if (!acknowledged.count(id)) ++d.landed_unacknowledged;
  }
  return d;
}

void ExpectChainVerifies(grpc::Channel* channel, const std::string& token, uint64_t head) {
  auto audit = v1::AuditService::NewStub(Unowned(channel));
  v1::VerifyRequest r;
  r.set_from_position(1);
  v1::VerifyResponse v;
  grpc::Status s = audit->Verify(e2e::Ctx(token, kReadDeadlineMs).get(), r, &v);
  ASSERT_TRUE(s.ok()) << "Verify: " << s.error_message();
  EXPECT_TRUE(v.outcome().ok()) << "the chain breaks at " << v.outcome().first_bad_position() << ": "
                                << v.outcome().problem();
  EXPECT_EQ(v.outcome().to_position(), head);
  EXPECT_EQ(v.outcome().events_checked(), head);
}

int ExpectViewsEqualRebuild(grpc::Channel* channel, const std::string& admin_token,
                            const std::set<std::string>& streams) {
  auto admin = v1::AdminService::NewStub(Unowned(channel));
  v1::GetStatisticsResponse stats;
  grpc::Status s = admin->GetStatistics(e2e::Ctx(admin_token).get(), v1::GetStatisticsRequest(), &stats);
  EXPECT_TRUE(s.ok()) << "GetStatistics: " << s.error_message();
  if (!s.ok()) return 0;
  auto live = FetchViews(channel, admin_token, streams, stats.last_position());
  int rebuilt = 0;
  for (const auto& p : stats.projections()) {
    if (!p.inline_()) continue;
    Rebuild(*admin, admin_token, p.name());
    ++rebuilt;
  }
  EXPECT_GT(rebuilt, 0) << "GetStatistics lists no inline projection";
  auto again = FetchViews(channel, admin_token, streams, stats.last_position());
  for (const auto& [stream, view] : live) {
    if (again[stream] == nullptr) continue;  // the fetch failed (reported)
    const google::protobuf::Message& after = *again[stream];
    if (DeterministicBytes(*view) == DeterministicBytes(after)) continue;
    std::string diff;
    google::protobuf::util::MessageDifferencer differencer;
    differencer.ReportDifferencesToString(&diff);
    differencer.Compare(*view, after);
    ADD_FAILURE() << "the view of " << stream << " differs from its rebuild:\n" << diff;
  }
  return rebuilt;
}

}  // namespace proeftuin::crash
