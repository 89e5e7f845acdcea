#include "views/testing/views_testing.h"

#include <gtest/gtest.h>

#include "absl/synchronization/notification.h"
#include "app/decider_projection.h"
#include "app/principals.h"
#include "views/views.h"

namespace proeftuin::views::testing {

ViewsStore::ViewsStore()
    : now_us_(absl::ToUnixMicros(absl::FromCivil(absl::CivilSecond(2024, 6, 1, 9, 0, 0),
                                                 absl::UTCTimeZone()))) {
  eventstore::RocksStoreOptions o;
  o.path = dir_.path();
  // The writer offers the states it writes to the handler's caches, as in proeftuind.
  caches_ = std::make_shared<app::DeciderStateCaches>();
  o.inline_projectors = {std::make_shared<app::DeciderStateProjector>(caches_),
                         std::make_shared<app::PrincipalsProjector>()};
  for (auto& p : InlineViewProjectors()) o.inline_projectors.push_back(p);
  o.async_projectors = AsyncViewProjectors();
  o.clock_us = [this] { return now_us_.load(); };
  auto store = eventstore::RocksStore::Open(std::move(o));
  EXPECT_TRUE(store.ok()) << store.status();
  if (store.ok()) store_ = *std::move(store);
  handler_ = std::make_unique<app::CommandHandler>(store_.get(), [this] { return now(); }, caches_);
}

ViewsStore::~ViewsStore() {
  handler_.reset();
  if (store_) store_->Close();
}

void ViewsStore::RunAsync(const v1::Command& command, const std::string& role,
                          app::CommandDone done) {
  app::CallContext call;
  call.actor.set_principal_id(role);
  call.actor.set_display_name("Test " + role);
  call.actor.set_role(role);
  call.clearance = v1::CONFIDENTIALITY_ZEER_GEHEIM;
  call.actor.set_application("views-test");
  call.options.set_request_id("req-" + std::to_string(++requests_));
  handler_->Execute(command, std::move(call), std::move(done));
}

absl::StatusOr<eventstore::AppendResult> ViewsStore::Run(const v1::Command& command,
                                                         const std::string& role) {
  absl::Notification done;
  absl::StatusOr<eventstore::AppendResult> result;
  RunAsync(command, role, [&](absl::StatusOr<eventstore::AppendResult> r) {
    result = std::move(r);
    done.Notify();
  });
  done.WaitForNotification();
  return result;
}

void ViewsStore::CatchUp() {
  for (const std::string& name : {std::string(kAuditIndexProjection)}) {
    absl::Status s = store_->WaitForProjection(name, store_->LastPosition(),
                                               absl::Now() + absl::Seconds(60));
    EXPECT_TRUE(s.ok()) << s;
  }
}

std::vector<std::pair<std::string, std::string>> ViewsStore::Rows(const std::string& projection) {
  std::vector<std::pair<std::string, std::string>> rows;
  auto view = store_->OpenReadView();
  EXPECT_TRUE(view.ok()) << view.status();
  if (!view.ok()) return rows;
  absl::Status s = (*view)->Scan(projection, "", "", [&](std::string_view k, std::string_view v) {
    rows.emplace_back(k, v);
    return true;
  });
  EXPECT_TRUE(s.ok()) << s;
  return rows;
}

std::vector<std::string> AllProjections() {
  return {app::kDeciderStateProjection, app::kPrincipalsProjection, kProgrammeRowsProjection,
          kAuditIndexProjection};
}

void RunExample(ViewsStore& store,
                const std::function<void(const domain::ExampleStep&,
                                         const eventstore::AppendResult&)>& after) {
  domain::ExamplePositions positions;
  for (domain::ExampleStep& step : domain::ExampleProgrammeSteps()) {
    ASSERT_TRUE(positions.Resolve(&step).ok()) << step.label;
    store.SetNow(step.at);
    absl::StatusOr<eventstore::AppendResult> r = store.Run(step.command, step.role);
    ASSERT_TRUE(r.ok()) << step.label << ": " << r.status();
    ASSERT_GT(r->last_position, 0u) << step.label << " wrote nothing";
    auto read = store.store().ReadAll(r->first_position, r->last_position - r->first_position + 1,
                                      eventstore::EventFilter{});
    ASSERT_TRUE(read.ok()) << read.status();
    for (const eventstore::RecordedEvent& e : read->events) {
      positions.Record(step.label, e.header.stream(), e.position());
    }
    if (after) after(step, *r);
  }
}

void Retarget(v1::Command* command, const std::string& programme_id) {
  const google::protobuf::Reflection* reflection = command->GetReflection();
  const google::protobuf::OneofDescriptor* oneof =
      command->GetDescriptor()->FindOneofByName("command");
  const google::protobuf::FieldDescriptor* set = reflection->GetOneofFieldDescriptor(*command, oneof);
  if (set == nullptr) return;
  google::protobuf::Message* action = reflection->MutableMessage(command, set);
  const google::protobuf::FieldDescriptor* id = action->GetDescriptor()->FindFieldByName("programme_id");
  if (id != nullptr) action->GetReflection()->SetString(action, id, programme_id);
}

}  // namespace proeftuin::views::testing
