#include "api/queries.h"

#include <google/protobuf/unknown_field_set.h>

#include "absl/container/flat_hash_set.h"
#include "app/decider_projection.h"
#include "app/queries.h"
#include "domain/streams.h"
#include "eventstore/status_macros.h"
#include "eventstore/stream_memo.h"
#include "views/views.h"

namespace proeftuin::api {

using app::Cleared;
using app::ExperimentKey;
using app::ExperimentPrefix;
using app::kDeciderStateProjection;
using app::LoadExperiment;
using app::LoadProgramme;
using app::PageSize;
using app::ProgrammeKey;
namespace {

absl::Status NotFound(const std::string& what) {
  return absl::NotFoundError(what + " does not exist (or is above your clearance)");
}

// As commands check them: an id no command accepts is INVALID_ARGUMENT here too, not NOT_FOUND.
absl::Status ValidId(std::string_view id, std::string_view field) {
  return domain::CheckObjectId(field, id);
}

// A page token is the id of the last object of the page before (empty: the first page).
absl::Status ValidPageToken(std::string_view token) {
  if (token.empty()) return absl::OkStatus();
  if (!domain::CheckObjectId("page_token", token).ok()) {
    return absl::InvalidArgumentError(
        "page_token: not a token of this list (send a previous response's next_page_token, or "
        "none for the first page)");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::shared_ptr<eventstore::ReadView>> Queries::ViewAt(uint64_t min_position,
                                                                      const QueryScope& scope) {
  if (scope.view != nullptr && scope.view->position() >= min_position) return scope.view;
  if (min_position > 0) {
    RETURN_IF_ERROR(app::CheckMinPosition(min_position, store_->LastPosition()));
    RETURN_IF_ERROR(
        store_->WaitForProjection(kDeciderStateProjection, min_position, scope.deadline));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<eventstore::ReadView> view, store_->OpenReadView());
  return std::shared_ptr<eventstore::ReadView>(std::move(view));
}

absl::StatusOr<v1::GetProgrammeResponse> Queries::GetProgramme(const v1::GetProgrammeRequest& r,
                                                               const QueryScope& scope) {
  v1::GetProgrammeResponse out;
  RETURN_IF_ERROR(AnswerGetProgramme(r, scope, false, &out));
  return out;
}

absl::Status Queries::GetProgrammeToSend(const v1::GetProgrammeRequest& r,
                                         const QueryScope& scope, v1::GetProgrammeResponse* out) {
  return AnswerGetProgramme(r, scope, true, out);
}

namespace {

// `out` := the serialized response `stored` with `position` as both as_of positions, as unknown
// fields (Queries::GetProgrammeToSend).
void SetStoredResponse(const std::string& stored, uint64_t position,
                       v1::GetProgrammeResponse* out) {
  out->Clear();
  google::protobuf::UnknownFieldSet* fields = out->GetReflection()->MutableUnknownFields(out);
  fields->ParseFromString(stored);  // top-level fields only: nested messages stay bytes
  fields->AddVarint(v1::GetProgrammeResponse::kAsOfPositionFieldNumber, position);
  google::protobuf::UnknownFieldSet view_position;
  view_position.AddVarint(v1::ProgrammeView::kAsOfPositionFieldNumber, position);
  view_position.SerializeToString(
      fields->AddLengthDelimited(v1::GetProgrammeResponse::kViewFieldNumber));
}

}  // namespace

absl::Status Queries::AnswerGetProgramme(const v1::GetProgrammeRequest& r,
                                         const QueryScope& scope, bool to_send,
                                         v1::GetProgrammeResponse* out) {
  RETURN_IF_ERROR(ValidId(r.programme_id(), "programme_id"));
  ASSIGN_OR_RETURN(auto view, ViewAt(r.min_position(), scope));
  const absl::Time now = absl::Now();
  const v1::Date today = views::ViewDate(now);
  ASSIGN_OR_RETURN(uint64_t last, app::LastPositionOfProgramme(*view, r.programme_id()));
  const ProgrammeCache::Key key{r.programme_id(), scope.clearance};
  const ProgrammeCache::Stamp stamp{last, today.year() * 10'000 + today.month() * 100 + today.day()};
  // A hit: nothing of the programme changed between the cached view and this one.
  if (last > 0 && to_send) {
    if (std::optional<std::string> stored = programmes_.FindSerialized(key, stamp)) {
      SetStoredResponse(*stored, view->position(), out);
      return absl::OkStatus();
    }
  } else if (last > 0) {
    if (std::optional<v1::GetProgrammeResponse> hit = programmes_.Find(key, stamp)) {
      *out = *std::move(hit);
      out->set_as_of_position(view->position());
      out->mutable_view()->set_as_of_position(view->position());
      return absl::OkStatus();
    }
  }
  ASSIGN_OR_RETURN(auto p, LoadProgramme(*view, r.programme_id()));
  if (!p.has_value() || !Cleared(p->confidentiality(), scope.clearance)) {
    return NotFound("programme " + r.programme_id());
  }
  out->Clear();
  ASSIGN_OR_RETURN(*out->mutable_view(), views::GetProgrammeView(*view, *p, scope.clearance, now));
  // The view lists every experiment the reader may see: the others the state names are hidden
  // (no second scan of the programme's experiments).
  absl::flat_hash_set<std::string> visible, hidden;
  for (const v1::ExperimentSummary& e : out->view().experiments()) visible.insert(e.experiment_id());
  for (const v1::AllocationState& a : p->allocations()) {
    if (!visible.contains(a.experiment_id())) hidden.insert(a.experiment_id());
  }
  for (const v1::CouncilInputState& i : p->council_inputs()) {
    if (!i.experiment_id().empty() && !visible.contains(i.experiment_id())) hidden.insert(i.experiment_id());
  }
  app::RedactProgramme(hidden, &*p);
  *out->mutable_programme() = *std::move(p);
  out->set_as_of_position(view->position());
  if (last > 0) programmes_.Put(key, stamp, *out);
  return absl::OkStatus();
}

absl::StatusOr<v1::ListProgrammesResponse> Queries::ListProgrammes(
    const v1::ListProgrammesRequest& r, const QueryScope& scope) {
  ASSIGN_OR_RETURN(int size, PageSize(r.page_size()));
  RETURN_IF_ERROR(ValidPageToken(r.page_token()));
  ASSIGN_OR_RETURN(auto view, ViewAt(r.min_position(), scope));
  v1::ListProgrammesResponse out;
  std::string after = r.page_token().empty() ? "" : ProgrammeKey(r.page_token());
  std::string last;
  bool more = false;
  RETURN_IF_ERROR(
      view->Scan(kDeciderStateProjection, "p/", after, [&](std::string_view, std::string_view v) {
        v1::ProgrammeState p;
        if (!p.ParseFromArray(v.data(), static_cast<int>(v.size()))) return true;
        if (!Cleared(p.confidentiality(), scope.clearance)) return true;
        if (out.programmes_size() == size) {
          more = true;
          return false;
        }
        last = p.programme_id();
        *out.add_programmes() = std::move(p);
        return true;
      }));
  if (more) out.set_next_page_token(last);
  for (v1::ProgrammeState& p : *out.mutable_programmes()) {
    RETURN_IF_ERROR(
        app::AddRepeatingCorrectables(*view, p.programme_id(), "", p.mutable_correctable_events()));
    ASSIGN_OR_RETURN(auto hidden, app::HiddenExperiments(*view, p.programme_id(), scope.clearance));
    app::RedactProgramme(hidden, &p);
  }
  out.set_as_of_position(view->position());
  return out;
}

absl::StatusOr<v1::GetExperimentResponse> Queries::GetExperiment(const v1::GetExperimentRequest& r,
                                                                 const QueryScope& scope) {
  RETURN_IF_ERROR(ValidId(r.programme_id(), "programme_id"));
  RETURN_IF_ERROR(ValidId(r.experiment_id(), "experiment_id"));
  ASSIGN_OR_RETURN(auto opened, ViewAt(r.min_position(), scope));
  // The experiment's stream is read for its correctable events and again for its history: the
  // second read is answered from the first. The programme's state is read once.
  eventstore::StreamMemoView view(*opened);
  ASSIGN_OR_RETURN(auto p, LoadProgramme(view, r.programme_id(), app::Correctables::kOneOff));
  ASSIGN_OR_RETURN(auto e, LoadExperiment(view, r.programme_id(), r.experiment_id()));
  if (!p.has_value() || !e.has_value() || !Cleared(p->confidentiality(), scope.clearance) ||
      !Cleared(e->confidentiality(), scope.clearance)) {
    return NotFound("experiment " + r.programme_id() + "." + r.experiment_id());
  }
  v1::GetExperimentResponse out;
  ASSIGN_OR_RETURN(*out.mutable_view(),
                   views::GetExperimentView(view, *std::move(p), r.experiment_id(), scope.clearance,
                                            absl::Now()));
  *out.mutable_experiment() = *std::move(e);
  out.set_as_of_position(view.position());
  return out;
}

absl::StatusOr<v1::ListExperimentsResponse> Queries::ListExperiments(
    const v1::ListExperimentsRequest& r, const QueryScope& scope) {
  RETURN_IF_ERROR(ValidId(r.programme_id(), "programme_id"));
  ASSIGN_OR_RETURN(int size, PageSize(r.page_size()));
  RETURN_IF_ERROR(ValidPageToken(r.page_token()));
  ASSIGN_OR_RETURN(auto view, ViewAt(r.min_position(), scope));
  ASSIGN_OR_RETURN(auto p, LoadProgramme(*view, r.programme_id(), app::Correctables::kOneOff));
  if (!p.has_value() || !Cleared(p->confidentiality(), scope.clearance)) {
    return NotFound("programme " + r.programme_id());
  }
  v1::ListExperimentsResponse out;
  std::string after = r.page_token().empty() ? "" : ExperimentKey(r.programme_id(), r.page_token());
  std::string last;
  bool more = false;
  RETURN_IF_ERROR(view->Scan(kDeciderStateProjection, ExperimentPrefix(r.programme_id()), after,
                             [&](std::string_view, std::string_view v) {
                               v1::ExperimentState e;
                               if (!e.ParseFromArray(v.data(), static_cast<int>(v.size())))
                                 return true;
                               if (!Cleared(e.confidentiality(), scope.clearance)) return true;
                               if (out.experiments_size() == size) {
                                 more = true;
                                 return false;
                               }
                               last = e.experiment_id();
                               *out.add_experiments() = std::move(e);
                               return true;
                             }));
  if (more) out.set_next_page_token(last);
  for (v1::ExperimentState& e : *out.mutable_experiments()) {
    RETURN_IF_ERROR(app::AddRepeatingCorrectables(*view, r.programme_id(), e.experiment_id(),
                                                  e.mutable_correctable_events()));
  }
  out.set_as_of_position(view->position());
  return out;
}

absl::StatusOr<v1::GetProgressReportResponse> Queries::GetProgressReport(
    const v1::GetProgressReportRequest& r, const QueryScope& scope) {
  RETURN_IF_ERROR(ValidId(r.programme_id(), "programme_id"));
  ASSIGN_OR_RETURN(auto view, ViewAt(r.min_position(), scope));
  v1::GetProgressReportResponse out;
  ASSIGN_OR_RETURN(*out.mutable_report(), views::BuildProgressReport(*view, r.programme_id(),
                                                                     scope.clearance, absl::Now()));
  out.set_as_of_position(view->position());
  return out;
}

absl::StatusOr<v1::GetProgrammeChainResponse> Queries::GetProgrammeChain(
    const v1::GetProgrammeChainRequest& r, const QueryScope& scope) {
  RETURN_IF_ERROR(ValidId(r.programme_id(), "programme_id"));
  ASSIGN_OR_RETURN(auto view, ViewAt(r.min_position(), scope));
  v1::GetProgrammeChainResponse out;
  ASSIGN_OR_RETURN(*out.mutable_chain(),
                   views::GetProgrammeChain(*view, r.programme_id(), scope.clearance));
  out.set_as_of_position(view->position());
  return out;
}

}  // namespace proeftuin::api
