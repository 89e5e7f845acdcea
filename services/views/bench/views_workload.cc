#include "views/bench/views_workload.h"

#include <map>
#include <string>
#include <vector>

#include "domain/testing/builders.h"
#include "domain/testing/in_memory_log.h"
#include "eventstore/status_macros.h"
#include "views/testing/views_testing.h"

namespace proeftuin::views::bench {
namespace {

namespace tk = domain::testkit;
using domain::testkit::LoggedEvent;

constexpr int kExperiments = 8;
constexpr size_t kEventsPerAppend = 1000;
const char* const kRoles[] = {"programme_manager", "college", "griffie", "evaluator"};

std::string E(int i) { return "e" + std::to_string(i); }

absl::Time At(int y, int m, int d, int hours = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, 10, 0, 0), absl::UTCTimeZone()) +
         absl::Hours(hours);
}

// One programme, decided command by command; its events with their local positions.
class ProgrammeRun {
 public:
  ProgrammeRun(int index, int rounds) : pid_("p-" + std::to_string(index)), index_(index), rounds_(rounds) {}
  absl::Status Run();
  std::vector<LoggedEvent>& events() { return events_; }
  std::map<uint64_t, uint64_t>& global_of_local() { return global_; }
  const std::string& pid() const { return pid_; }

 private:
  absl::Status Do(v1::Command c, absl::Time now);
  absl::Status Prepare();
  absl::Status Round(int r);
  absl::Status Finish();

  std::string pid_;
  int index_;
  int rounds_;
  domain::testkit::InMemoryLog log_;
  std::vector<LoggedEvent> events_;
  std::map<uint64_t, uint64_t> global_;
  std::map<std::string, uint64_t> last_spend_;  // experiment -> local position
};

absl::Status ProgrammeRun::Do(v1::Command c, absl::Time now) {
  testing::Retarget(&c, pid_);
  ASSIGN_OR_RETURN(domain::testkit::Executed executed, log_.Execute(c, now));
  for (LoggedEvent& e : executed.events) {
    if (c.has_record_expenditure()) last_spend_[c.record_expenditure().experiment_id()] = e.position;
    events_.push_back(std::move(e));
  }
  return absl::OkStatus();
}

absl::Status ProgrammeRun::Prepare() {
  const absl::Time t = At(2024, 8, 2);  // after the builders' fixed decision dates
  v1::Command draft = tk::DraftCmd();
  if (index_ % 3 != 0) draft.mutable_draft_programme()->mutable_design()->set_predecessor_programme_id("p-" + std::to_string(index_ - 1));
  RETURN_IF_ERROR(Do(draft, t));
  for (int i = 0; i < kExperiments; ++i) RETURN_IF_ERROR(Do(tk::ProposeCmd(E(i)), t));
  for (int i = 0; i < 6; ++i) {
    RETURN_IF_ERROR(Do(tk::SelectCmd(E(i), {tk::YearEur(2025, 8'000), tk::YearEur(2026, 4'000)}), t));
  }
  RETURN_IF_ERROR(Do(tk::RejectCmd(E(6), "Past niet binnen het budget."), t));
  RETURN_IF_ERROR(Do(tk::SubmitCmd(), t));
  for (const char* id : {"wb-1", "wb-2", "wb-3"}) RETURN_IF_ERROR(Do(tk::RecordInputCmd(id), t));
  for (const char* id : {"wb-1", "wb-2", "wb-3"}) RETURN_IF_ERROR(Do(tk::AnswerInputCmd(id), t));
  RETURN_IF_ERROR(Do(tk::AdoptCmd(), t));
  RETURN_IF_ERROR(Do(tk::WithdrawCmd(E(5), "Traject uitgesteld."), t));
  for (int i = 0; i < 5; ++i) {
    v1::Command start = tk::StartCmd(E(i));
    start.mutable_start_experiment()->clear_started_on();
    RETURN_IF_ERROR(Do(start, At(2024, 9, 2)));
  }
  return absl::OkStatus();
}

absl::Status ProgrammeRun::Round(int r) {
  const absl::Time t = At(2024, 9, 3, 8 * r);
  for (int i = 0; i < 5; ++i) {
    v1::Command activity = tk::ActivityCmd(E(i), 20 + (r * 7 + i) % 80, (r + i) % 6);
    activity.mutable_record_activity()->clear_held_on();
    RETURN_IF_ERROR(Do(activity, t));
    RETURN_IF_ERROR(Do(tk::SpendCmd(E(i), 100 + (r * 13 + i) % 150, 2025 + r % 2), t));
    if (r % 4 == 0) RETURN_IF_ERROR(Do(tk::ProgressCmd(E(i), std::min(95, 2 * r + 5), "voortgang"), t));
    if (r % 10 == 5) {
      v1::CorrectedFields fix;
      *fix.mutable_amount() = tk::Eur(99);
      RETURN_IF_ERROR(Do(tk::CorrectCmd(E(i), last_spend_[E(i)], fix, "Bedrag verkeerd ingevoerd."), t));
    }
  }
  if (r % 7 == 0) {
    v1::Command session = tk::SessionCmd("");
    session.mutable_record_knowledge_session()->clear_held_on();
    session.mutable_record_knowledge_session()->add_experiment_ids(E(r % 5));
    RETURN_IF_ERROR(Do(session, t));
  }
  return absl::OkStatus();
}

absl::Status ProgrammeRun::Finish() {
  const absl::Time t = At(2024, 9, 3, 8 * rounds_ + 24);
  for (int i = 0; i < 5; ++i) RETURN_IF_ERROR(Do(tk::CompleteCmd(E(i)), t));
  for (int i = 0; i < 5; ++i) RETURN_IF_ERROR(Do(tk::EvaluateExperimentCmd(E(i)), t + absl::Hours(48)));
  v1::Command evaluate = tk::EvaluateProgrammeCmd();
  evaluate.mutable_evaluate_programme()->clear_evaluated_on();
  RETURN_IF_ERROR(Do(evaluate, t + absl::Hours(72)));
  return Do(tk::CloseCmd(), t + absl::Hours(96));
}

absl::Status ProgrammeRun::Run() {
  RETURN_IF_ERROR(Prepare());
  for (int r = 0; r < rounds_; ++r) RETURN_IF_ERROR(Round(r));
  return Finish();
}

// Rewrites a correction's target from the programme's local position to the global one.
std::string Remapped(const LoggedEvent& e, const std::map<uint64_t, uint64_t>& global_of_local) {
  if (e.type != v1::CorrectionRecorded::descriptor()->full_name()) return e.payload;
  if (e.stream.rfind("experiment-", 0) == 0) {
    v1::ExperimentEvent event;
    event.ParseFromString(e.payload);
    auto* c = event.mutable_correction_recorded();
    c->set_corrected_position(global_of_local.at(c->corrected_position()));
    return event.SerializeAsString();
  }
  v1::ProgrammeEvent event;
  event.ParseFromString(e.payload);
  auto* c = event.mutable_correction_recorded();
  c->set_corrected_position(global_of_local.at(c->corrected_position()));
  return event.SerializeAsString();
}

struct Pending {
  ProgrammeRun* run;
  const LoggedEvent* event;
};

// One append of `batch` (each stream's events kept together, in order); positions known ahead.
absl::Status AppendBatch(eventstore::EventStore& store, const std::vector<Pending>& batch, int n) {
  std::map<std::string, std::vector<Pending>> by_stream;
  std::vector<std::string> order;
  for (const Pending& p : batch) {
    auto [it, added] = by_stream.try_emplace(p.event->stream);
    if (added) order.push_back(p.event->stream);
    it->second.push_back(p);
  }
  eventstore::AppendRequest r;
  r.request_id = r.fingerprint = "bench-" + std::to_string(n);
  r.actor.set_principal_id(kRoles[n % 4]);
  r.actor.set_role(kRoles[n % 4]);
  r.actor.set_application("views_bench");
  uint64_t next = store.LastPosition() + 1;
  const uint64_t first = next;
  for (const std::string& stream : order) {
    eventstore::StreamAppend& a = r.appends.emplace_back();
    a.stream = stream;
    for (const Pending& p : by_stream[stream]) {
      p.run->global_of_local()[p.event->position] = next++;
      eventstore::NewEvent& e = a.events.emplace_back();
      e.type = p.event->type;
      e.payload = Remapped(*p.event, p.run->global_of_local());
      if (p.event->personal.has_value()) e.personal = p.event->personal->SerializeAsString();
      e.confidentiality = p.event->confidentiality;
      e.occurred_on = p.event->occurred_on;
      e.reason = p.event->reason;
    }
  }
  ASSIGN_OR_RETURN(eventstore::AppendResult result, store.Append(std::move(r)));
  if (result.first_position != first) return absl::InternalError("views_bench: another writer");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<uint64_t> FillLog(eventstore::EventStore& store, const WorkloadOptions& options) {
  int programme = 0, appends = 0;
  while (store.LastPosition() < options.events) {
    std::vector<std::unique_ptr<ProgrammeRun>> wave;
    for (int i = 0; i < options.programmes_in_flight; ++i) {
      wave.push_back(std::make_unique<ProgrammeRun>(programme++, options.rounds));
      RETURN_IF_ERROR(wave.back()->Run());
    }
    // Interleave the wave's programmes event by event, as concurrent users would.
    std::vector<Pending> batch;
    for (size_t k = 0;; ++k) {
      bool any = false;
      for (auto& run : wave) {
        if (k >= run->events().size()) continue;
        any = true;
        batch.push_back({run.get(), &run->events()[k]});
        if (batch.size() == kEventsPerAppend) {
          RETURN_IF_ERROR(AppendBatch(store, batch, appends++));
          batch.clear();
        }
      }
      if (!any) break;
    }
    if (!batch.empty()) RETURN_IF_ERROR(AppendBatch(store, batch, appends++));
  }
  return store.LastPosition();
}

}  // namespace proeftuin::views::bench
