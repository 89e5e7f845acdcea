#include "app/decider_projection.h"

#include <algorithm>
#include <atomic>
#include <type_traits>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include "app/queries.h"
#include "domain/decider.h"
#include "domain/streams.h"
#include "eventstore/record.h"
#include "eventstore/status_macros.h"

namespace proeftuin::app {
namespace {

using CorrectableList = google::protobuf::RepeatedPtrField<v1::CorrectableEvent>;

// "cp/<programme-id>/" or "ce/<programme-id>/<experiment-id>/".
std::string CorrectablePrefix(std::string_view programme_id, std::string_view experiment_id) {
  if (experiment_id.empty()) return "cp/" + std::string(programme_id) + "/";
  return "ce/" + std::string(programme_id) + "/" + std::string(experiment_id) + "/";
}

std::string StampKey(std::string_view programme_id) { return "t/" + std::string(programme_id); }

std::string CorrectableKey(const std::string& prefix, uint64_t position) {
  std::string key = prefix;
  eventstore::PutBigEndian64(&key, position);
  return key;
}

// Puts `entry` into `list` at its place by position (no-op when one is there already).
void InsertInOrder(CorrectableList* list, v1::CorrectableEvent entry) {
  auto at = std::lower_bound(list->begin(), list->end(), entry.position(),
                             [](const auto& e, uint64_t p) { return e.position() < p; });
  if (at != list->end() && at->position() == entry.position()) return;
  const int index = static_cast<int>(at - list->begin());
  *list->Add() = std::move(entry);
  for (int i = list->size() - 1; i > index; --i) list->SwapElements(i, i - 1);
}

// The entry Evolve remembers for a stored event of a repeating kind, as it was recorded (no
// correction applied): Evolve of the event alone, so it is built exactly as Evolve builds it.
// Nullopt when the event is not of `stream` or not of a repeating kind.
std::optional<v1::CorrectableEvent> RecordedCorrectable(const eventstore::RecordedEvent& e,
                                                        std::string_view stream) {
  if (e.header.stream() != stream || !domain::IsRepeatingCorrectable(e.header.type())) {
    return std::nullopt;
  }
  auto ids = domain::ParseStream(stream);
  if (!ids.has_value()) return std::nullopt;
  // Folded in place into an empty state, whose list then holds the one entry (no state or list
  // copied out of Evolve).
  auto entry = [&e](auto* state, const auto& event) -> std::optional<v1::CorrectableEvent> {
    domain::EvolveInPlace(state, event, EventContextOf(e));
    for (v1::CorrectableEvent& c : *state->mutable_correctable_events()) {
      if (c.position() == e.header.position()) return std::move(c);
    }
    return std::nullopt;
  };
  if (ids->experiment_id.empty()) {
    auto event = domain::DecodeProgrammeEvent(e.header.type(), e.payload);
    if (!event.ok()) return std::nullopt;
    v1::ProgrammeState state;
    return entry(&state, *event);
  }
  auto event = domain::DecodeExperimentEvent(e.header.type(), e.payload);
  if (!event.ok()) return std::nullopt;
  v1::ExperimentState state;
  return entry(&state, *event);
}

std::string StreamOf(std::string_view programme_id, std::string_view experiment_id) {
  return experiment_id.empty() ? domain::ProgrammeStream(programme_id)
                               : domain::ExperimentStream(programme_id, experiment_id);
}

// Takes the repeating kinds out of `list`. The one a correction just changed (`corrected`, 0:
// none) is stored in its row, which from then on holds its current values; the others are
// dropped: as recorded, they are read from the log when a correction names them.
void StoreRepeating(CorrectableList* list, const std::string& prefix, uint64_t corrected,
                    eventstore::ProjectionWriter& rows) {
  int kept = 0;
  for (int i = 0; i < list->size(); ++i) {
    const v1::CorrectableEvent& e = list->Get(i);
    if (domain::IsRepeatingCorrectable(e.event_type())) {
      if (corrected != 0 && e.position() == corrected) {
        rows.Put(CorrectableKey(prefix, e.position()), e.SerializeAsString());
      }
    } else {
      if (kept != i) list->SwapElements(kept, i);
      ++kept;
    }
  }
  list->DeleteSubrange(kept, list->size() - kept);
}

// The state at `key` as the events since the last Flush left it: from `states` or, at its
// first event of a group, parsed from its row.
// The state of `key` this group (or rebuild chunk) folds into: parsed from its row at the
// stream's first event, or taken back from `cache` when the writer offered the parse of that
// very row after an earlier group.
template <typename State, typename Map>
State& Current(Map& states, const std::string& key, eventstore::ProjectionWriter& rows,
               StateRowCache<State>* cache) {
  auto [it, added] = states.try_emplace(key, std::in_place_type<State>);
  State& state = std::get<State>(it->second);
  if (added) {
    // The writer's own confirmed offer is the row: no read.
    std::optional<State> confirmed = cache != nullptr ? cache->TakeConfirmed(key) : std::nullopt;
    if (confirmed.has_value()) {
      state = *std::move(confirmed);
    } else if (auto bytes = rows.Get(key); bytes.has_value()) {
      std::optional<State> taken = cache != nullptr ? cache->Take(key, *bytes) : std::nullopt;
      if (taken.has_value()) {
        state = *std::move(taken);
      } else {
        state.ParseFromString(*bytes);
      }
    }
  }
  return state;
}

// Folds one event into `state`. A correction of a repeating kind first puts the event it names
// back into the list with its current values (its row, when an earlier correction wrote one;
// else the event as recorded in the log), so that Evolve sees them.
template <typename State, typename Event>
void Fold(const eventstore::RecordedEvent& e, const Event& event, State& state,
          const std::string& prefix, eventstore::ProjectionWriter& rows) {
  uint64_t corrected = 0;
  if (event.has_correction_recorded() &&
      domain::IsRepeatingCorrectable(event.correction_recorded().corrected_event_type()) &&
      event.correction_recorded().corrected_position() < e.header.position()) {
    corrected = event.correction_recorded().corrected_position();
    v1::CorrectableEvent target;
    auto row = rows.Get(CorrectableKey(prefix, corrected));
    if (row.has_value()) {
      if (target.ParseFromString(*row)) {
        InsertInOrder(state.mutable_correctable_events(), std::move(target));
      }
    } else if (std::optional<eventstore::RecordedEvent> named = rows.EventAt(corrected)) {
      if (auto recorded = RecordedCorrectable(*named, e.header.stream())) {
        InsertInOrder(state.mutable_correctable_events(), *std::move(recorded));
      }
    }
  }
  // The repeating kinds are read from the log when a correction names one: Evolve need not
  // remember each in the list for StoreRepeating to drop it again.
  domain::EventContext context = EventContextOf(e);
  context.remember_repeating = false;
  domain::EvolveInPlace(&state, event, context);
  // Without a correction of a repeating kind the list holds none of them: nothing to take out.
  if (corrected != 0) StoreRepeating(state.mutable_correctable_events(), prefix, corrected, rows);
}

// Adds every stored correctable event of the repeating kinds of a stream to `list`, with its
// current values: the stream's events as recorded in the log, each replaced by its row when a
// correction wrote one.
absl::Status LoadAllCorrectable(eventstore::ReadView& view, std::string_view programme_id,
                                std::string_view experiment_id, CorrectableList* list) {
  const std::string prefix = CorrectablePrefix(programme_id, experiment_id);
  absl::flat_hash_map<uint64_t, v1::CorrectableEvent> corrected;
  bool corrupt = false;
  RETURN_IF_ERROR(
      view.Scan(kDeciderStateProjection, prefix, "", [&](std::string_view k, std::string_view v) {
        v1::CorrectableEvent entry;
        corrupt = !entry.ParseFromArray(v.data(), static_cast<int>(v.size())) ||
                  k.size() != prefix.size() + 8 ||
                  entry.position() != eventstore::GetBigEndian64(k.substr(prefix.size()));
        if (!corrupt) corrected.emplace(entry.position(), std::move(entry));
        return !corrupt;
      }));
  if (corrupt) return absl::DataLossError("a correctable event under " + prefix + " is corrupt");
  const std::string stream = StreamOf(programme_id, experiment_id);
  RETURN_IF_ERROR(view.ReadStream(stream, [&](const eventstore::RecordedEvent& e) {
    if (!domain::IsRepeatingCorrectable(e.header.type())) return true;
    if (auto it = corrected.find(e.header.position()); it != corrected.end()) {
      InsertInOrder(list, std::move(it->second));
    } else if (auto recorded = RecordedCorrectable(e, stream)) {
      InsertInOrder(list, *std::move(recorded));
    }
    return true;
  }));
  return absl::OkStatus();
}

template <typename State>
absl::StatusOr<std::optional<State>> Load(eventstore::ReadView& view, const std::string& key,
                                          std::string_view programme_id,
                                          std::string_view experiment_id, Correctables which) {
  auto v = view.Get(kDeciderStateProjection, key);
  if (!v.ok()) return v.status();
  if (!v->has_value()) return std::optional<State>();
  State s;
  if (!s.ParseFromString(**v)) return absl::DataLossError("decider state " + key + " is corrupt");
  if (which == Correctables::kAll) {
    RETURN_IF_ERROR(
        LoadAllCorrectable(view, programme_id, experiment_id, s.mutable_correctable_events()));
  }
  return std::optional<State>(std::move(s));
}

}  // namespace

domain::EventContext EventContextOf(const eventstore::RecordedEvent& e) {
  domain::EventContext c;
  c.global_position = e.header.position();
  c.stream_version = e.header.stream_version();
  c.recorded_at = absl::FromUnixMicros(e.header.recorded_at_us());
  return c;
}

std::string ProgrammeKey(std::string_view programme_id) { return "p/" + std::string(programme_id); }

std::string ExperimentKey(std::string_view programme_id, std::string_view experiment_id) {
  return ExperimentPrefix(programme_id) + std::string(experiment_id);
}

std::string ExperimentPrefix(std::string_view programme_id) {
  return "e/" + std::string(programme_id) + "/";
}

const DeciderStateProjector::StreamKeys& DeciderStateProjector::KeysOf(std::string_view stream) {
  if (auto it = keys_.find(absl::string_view(stream.data(), stream.size())); it != keys_.end()) {
    return it->second;
  }
  if (keys_.size() >= kMaxStreamKeys) keys_.clear();
  StreamKeys k;
  if (auto ids = domain::ParseStream(stream)) {
    k.decider_state = true;
    k.programme = ids->experiment_id.empty();
    k.state_key = k.programme ? ProgrammeKey(ids->programme_id)
                              : ExperimentKey(ids->programme_id, ids->experiment_id);
    k.prefix = CorrectablePrefix(ids->programme_id, ids->experiment_id);
    k.stamp_key = StampKey(ids->programme_id);
  }
  return keys_.emplace(std::string(stream), std::move(k)).first->second;
}

bool DeciderStateProjector::Wants(std::string_view stream, std::string_view) const {
  return stream.starts_with(domain::kProgrammeStreamPrefix) ||
         stream.starts_with(domain::kExperimentStreamPrefix);
}

std::string_view DeciderStateProjector::PartOf(std::string_view stream) const {
  // The programme id of "programme-<id>" and "experiment-<id>.<experiment-id>" (ids are slugs,
  // without dots); other streams are not decider state, and any part will do.
  for (std::string_view prefix : {std::string_view(domain::kProgrammeStreamPrefix),
                                  std::string_view(domain::kExperimentStreamPrefix)}) {
    if (stream.substr(0, prefix.size()) == prefix) {
      std::string_view id = stream.substr(prefix.size());
      return id.substr(0, id.find('.'));
    }
  }
  return stream;
}

void DeciderStateProjector::Apply(const eventstore::RecordedEvent& e,
                                  eventstore::ProjectionWriter& rows) {
  const StreamKeys& k = KeysOf(e.header.stream());
  if (!k.decider_state) return;  // principal streams and others: not decider state
  stamps_[k.stamp_key] = e.header.position();
  // The event on the arena (emptied every kArenaEvents events): no allocation per message.
  if (k.programme) {
    auto* event = google::protobuf::Arena::CreateMessage<v1::ProgrammeEvent>(&arena_);
    if (domain::DecodeProgrammeEventInto(e.header.type(), e.payload, event).ok()) {
      v1::ProgrammeState& state = Current<v1::ProgrammeState>(
          states_, k.state_key, rows, caches_ ? &caches_->programmes : nullptr);
      const v1::Confidentiality level = domain::OpenbaarIfUnset(state.confidentiality());
      Fold(e, *event, state, k.prefix, rows);
      if (domain::OpenbaarIfUnset(state.confidentiality()) != level) NoteLevelChange(e.header.position());
    }
  } else {
    auto* event = google::protobuf::Arena::CreateMessage<v1::ExperimentEvent>(&arena_);
    // Fold does not remember the repeating kinds: only what Evolve then reads is decoded.
    if (domain::DecodeExperimentEventForFold(e.header.type(), e.payload, event).ok()) {
      v1::ExperimentState& state = Current<v1::ExperimentState>(
          states_, k.state_key, rows, caches_ ? &caches_->experiments : nullptr);
      const v1::Confidentiality level = domain::OpenbaarIfUnset(state.confidentiality());
      Fold(e, *event, state, k.prefix, rows);
      if (domain::OpenbaarIfUnset(state.confidentiality()) != level) NoteLevelChange(e.header.position());
    }
  }
  // Emptied every few events: a reset costs about what a few events' messages do.
  if (++arena_events_ == kArenaEvents) {
    arena_events_ = 0;
    arena_.Reset();
  }
}

void DeciderStateProjector::NoteLevelChange(uint64_t position) {
  if (caches_ == nullptr) return;
  uint64_t seen = caches_->level_change.load(std::memory_order_relaxed);
  while (position > seen &&
         !caches_->level_change.compare_exchange_weak(seen, position, std::memory_order_release)) {
  }
}

void DeciderStateProjector::Flush(eventstore::ProjectionWriter& rows) {
  offered_.clear();  // a group that was not written is never confirmed
  std::string bytes;
  for (auto& entry : states_) {
    const std::string& key = entry.first;  // not a structured binding: clang's lambdas cannot capture one
    std::visit([&](auto& s) {
      s.SerializeToString(&bytes);
      rows.Put(key, bytes);
      if (caches_ == nullptr) return;
      using State = std::decay_t<decltype(s)>;
      if constexpr (std::is_same_v<State, v1::ProgrammeState>) {
        offered_.push_back({true, key, caches_->programmes.Offer(key, bytes, std::move(s))});
      } else {
        offered_.push_back({false, key, caches_->experiments.Offer(key, bytes, std::move(s))});
      }
    }, entry.second);
  }
  states_.clear();
  for (const auto& [key, position] : stamps_) {
    bytes.clear();
    eventstore::PutBigEndian64(&bytes, position);
    rows.Put(key, bytes);
  }
  stamps_.clear();
}

void DeciderStateProjector::Committed(uint64_t last_position) {
  if (caches_ == nullptr) return;
  for (const Offered& o : offered_) {
    if (o.programme) {
      caches_->programmes.Confirm(o.key, o.offer, last_position);
    } else {
      caches_->experiments.Confirm(o.key, o.offer, last_position);
    }
  }
  offered_.clear();
}

void DeciderStateProjector::Swapped() {
  offered_.clear();
  if (caches_ == nullptr) return;
  caches_->programmes.ForgetConfirmations();
  caches_->experiments.ForgetConfirmations();
}

absl::StatusOr<std::optional<v1::ProgrammeState>> LoadProgramme(eventstore::ReadView& view,
                                                                std::string_view programme_id,
                                                                Correctables which) {
  return Load<v1::ProgrammeState>(view, ProgrammeKey(programme_id), programme_id, "", which);
}

template <typename State>
absl::StatusOr<std::shared_ptr<const State>> StateRowCache<State>::LoadRow(eventstore::ReadView& view,
                                                                          const std::string& key) {
  {
    absl::MutexLock l(&mu_);
    if (auto it = entries_.find(key); it != entries_.end()) {
      const uint64_t at = it->second->confirmed_at;
      if (at != 0 && at <= view.position()) {
        ++unread_;
        return std::shared_ptr<const State>(it->second->state);
      }
    }
  }
  ASSIGN_OR_RETURN(std::optional<std::string> row, view.Get(kDeciderStateProjection, key));
  if (!row.has_value()) return std::shared_ptr<const State>();
  std::shared_ptr<const Entry> cached;
  {
    absl::MutexLock l(&mu_);
    if (auto it = entries_.find(key); it != entries_.end()) cached = it->second;
  }
  if (cached != nullptr && cached->row == *row) return cached->state;
  auto state = std::make_shared<State>();
  if (!state->ParseFromString(*row)) return absl::DataLossError("decider state " + key + " is corrupt");
  {
    absl::MutexLock l(&mu_);
    ++parses_;
  }
  Keep(key, std::make_shared<const Entry>(Entry{*std::move(row), state}), /*newest=*/false);
  return std::shared_ptr<const State>(std::move(state));
}

template <typename State>
uint64_t StateRowCache<State>::Offer(const std::string& key, std::string row, State state) {
  // The writer's state is the newest, even one whose write then fails: it is never confirmed,
  // a view uses it only if its row has the same bytes (a failed write that landed after all),
  // and the next offer replaces it. Numbered, not known by its address: an entry dropped
  // before its write is confirmed could free an address that a reader's entry then reuses.
  uint64_t offer;
  {
    absl::MutexLock l(&mu_);
    offer = ++offers_;
  }
  Keep(key,
       std::make_shared<const Entry>(Entry{std::move(row), std::make_shared<State>(std::move(state)), offer}),
       /*newest=*/true);
  return offer;
}

template <typename State>
void StateRowCache<State>::Confirm(const std::string& key, uint64_t offer, uint64_t last_position) {
  absl::MutexLock l(&mu_);
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second->offer == offer) it->second->confirmed_at = last_position;
}

template <typename State>
void StateRowCache<State>::ForgetConfirmations() {
  absl::MutexLock l(&mu_);
  for (auto& [key, entry] : entries_) entry->confirmed_at = 0;
}

template <typename State>
std::optional<State> StateRowCache<State>::TakeConfirmed(const std::string& key) {
  std::shared_ptr<const Entry> taken;
  std::shared_ptr<const State> held;
  {
    absl::MutexLock l(&mu_);
    auto it = entries_.find(key);
    if (it == entries_.end() || it->second->confirmed_at == 0) return std::nullopt;
    ++unread_;
    if (it->second.use_count() != 1 || it->second->state.use_count() != 1) {
      held = it->second->state;  // a reader holds it: copied below, outside the lock
    } else {
      taken = std::move(it->second);
      entries_.erase(it);
      ++takes_;
    }
  }
  if (held != nullptr) return std::optional<State>(*held);
  // As in Take: the last reader's release happens before the state is changed here.
  std::atomic_thread_fence(std::memory_order_acquire);
  return std::optional<State>(std::move(*taken->state));
}

template <typename State>
std::optional<State> StateRowCache<State>::Take(const std::string& key, std::string_view row) {
  std::shared_ptr<const Entry> taken;
  {
    absl::MutexLock l(&mu_);
    auto it = entries_.find(key);
    if (it == entries_.end() || it->second->row != row) return std::nullopt;
    // Copies of the entry and of its state are made only under mu_: with the map's the only
    // ones, nobody else can reach the state once the entry is out of the map.
    if (it->second.use_count() != 1 || it->second->state.use_count() != 1) return std::nullopt;
    taken = std::move(it->second);
    entries_.erase(it);
    ++takes_;
  }
  // use_count() is a relaxed load: the last reader's release of its copy (an acq_rel decrement)
  // must happen before the state is changed here.
  std::atomic_thread_fence(std::memory_order_acquire);
  return std::optional<State>(std::move(*taken->state));
}

template <typename State>
void StateRowCache<State>::Keep(const std::string& key, std::shared_ptr<const Entry> entry, bool newest) {
  absl::MutexLock l(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= max_entries_) entries_.clear();
    entries_.emplace(key, std::move(entry));
    return;
  }
  // An older view may parse an older row after the writer offered a newer one: the newer
  // stays. (Either would be correct, as a lookup compares the bytes before it uses an entry.)
  if (newest || it->second->state->stream_version() <= entry->state->stream_version()) {
    it->second = std::move(entry);
  }
}

template <typename State>
uint64_t StateRowCache<State>::parses() const {
  absl::MutexLock l(&mu_);
  return parses_;
}

template <typename State>
uint64_t StateRowCache<State>::takes() const {
  absl::MutexLock l(&mu_);
  return takes_;
}

template <typename State>
uint64_t StateRowCache<State>::unread() const {
  absl::MutexLock l(&mu_);
  return unread_;
}

template class StateRowCache<v1::ProgrammeState>;
template class StateRowCache<v1::ExperimentState>;

absl::StatusOr<std::shared_ptr<const v1::ProgrammeState>> ProgrammeStateCache::Load(
    eventstore::ReadView& view, std::string_view programme_id) {
  return LoadRow(view, ProgrammeKey(programme_id));
}

absl::StatusOr<std::shared_ptr<const v1::ExperimentState>> ExperimentStateCache::Load(
    eventstore::ReadView& view, std::string_view programme_id, std::string_view experiment_id) {
  return LoadRow(view, ExperimentKey(programme_id, experiment_id));
}

absl::StatusOr<std::optional<v1::ExperimentState>> LoadExperiment(eventstore::ReadView& view,
                                                                  std::string_view programme_id,
                                                                  std::string_view experiment_id,
                                                                  Correctables which) {
  return Load<v1::ExperimentState>(view, ExperimentKey(programme_id, experiment_id), programme_id,
                                   experiment_id, which);
}

absl::StatusOr<uint64_t> LastPositionOfProgramme(eventstore::ReadView& view,
                                                 std::string_view programme_id) {
  const std::string key = StampKey(programme_id);
  ASSIGN_OR_RETURN(auto row, view.Get(kDeciderStateProjection, key));
  if (!row.has_value()) return uint64_t{0};
  if (row->size() != 8) return absl::DataLossError("decider state " + key + " is corrupt");
  return eventstore::GetBigEndian64(*row);
}

absl::Status AddRepeatingCorrectables(eventstore::ReadView& view, std::string_view programme_id,
                                      std::string_view experiment_id, CorrectableList* list) {
  return LoadAllCorrectable(view, programme_id, experiment_id, list);
}

absl::Status LoadCorrectable(eventstore::ReadView& view, std::string_view programme_id,
                             std::string_view experiment_id, uint64_t position,
                             CorrectableList* list) {
  const std::string key = CorrectableKey(CorrectablePrefix(programme_id, experiment_id), position);
  ASSIGN_OR_RETURN(auto row, view.Get(kDeciderStateProjection, key));
  if (row.has_value()) {
    v1::CorrectableEvent entry;
    if (!entry.ParseFromString(*row))
      return absl::DataLossError("correctable event " + key + " is corrupt");
    InsertInOrder(list, std::move(entry));
    return absl::OkStatus();
  }
  // Never corrected: as recorded, when the event at `position` is one of this stream's.
  ASSIGN_OR_RETURN(std::optional<eventstore::RecordedEvent> e, view.EventAt(position));
  if (!e.has_value()) return absl::OkStatus();
  if (auto recorded = RecordedCorrectable(*e, StreamOf(programme_id, experiment_id))) {
    InsertInOrder(list, *std::move(recorded));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::ExperimentState>> LoadExperiments(eventstore::ReadView& view,
                                                                 std::string_view programme_id) {
  std::vector<v1::ExperimentState> out;
  bool corrupt = false;
  absl::Status s = view.Scan(kDeciderStateProjection, ExperimentPrefix(programme_id), "",
                             [&](std::string_view, std::string_view v) {
                               v1::ExperimentState st;
                               corrupt |= !st.ParseFromArray(v.data(), static_cast<int>(v.size()));
                               out.push_back(std::move(st));
                               return true;
                             });
  if (!s.ok()) return s;
  if (corrupt)
    return absl::DataLossError("an experiment state of " + std::string(programme_id) +
                               " is corrupt");
  return out;
}

namespace {

// The confidentiality of a stored state (field `field` of a v1::ExperimentState or
// v1::ProgrammeState row), without parsing the rest.
std::optional<v1::Confidentiality> StoredConfidentiality(
    std::string_view row, int field = v1::ExperimentState::kConfidentialityFieldNumber) {
  using google::protobuf::internal::WireFormatLite;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(row.data()),
                                            static_cast<int>(row.size()));
  int level = v1::CONFIDENTIALITY_UNSPECIFIED;
  while (uint32_t tag = in.ReadTag()) {
    if (tag == WireFormatLite::MakeTag(field, WireFormatLite::WIRETYPE_VARINT)) {
      uint32_t v = 0;
      if (!in.ReadVarint32(&v)) return std::nullopt;
      level = static_cast<int>(v);
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return std::nullopt;
    }
  }
  if (!in.ConsumedEntireMessage()) return std::nullopt;
  return static_cast<v1::Confidentiality>(level);
}

}  // namespace

absl::StatusOr<absl::flat_hash_set<std::string>> HiddenExperiments(eventstore::ReadView& view,
                                                                   std::string_view programme_id,
                                                                   v1::Confidentiality clearance) {
  absl::flat_hash_set<std::string> hidden;
  if (clearance == v1::CONFIDENTIALITY_ZEER_GEHEIM) return hidden;
  const std::string prefix = ExperimentPrefix(programme_id);
  bool corrupt = false;
  RETURN_IF_ERROR(view.Scan(kDeciderStateProjection, prefix, "",
                            [&](std::string_view key, std::string_view row) {
                              std::optional<v1::Confidentiality> level = StoredConfidentiality(row);
                              if (!level.has_value()) {
                                corrupt = true;
                                return false;
                              }
                              if (!Cleared(*level, clearance)) {
                                hidden.insert(std::string(key.substr(prefix.size())));
                              }
                              return true;
                            }));
  if (corrupt) {
    return absl::DataLossError("an experiment state of " + std::string(programme_id) +
                               " is corrupt");
  }
  return hidden;
}

void RedactProgramme(const absl::flat_hash_set<std::string>& hidden, v1::ProgrammeState* state) {
  if (hidden.empty()) return;
  auto* allocations = state->mutable_allocations();
  allocations->erase(std::remove_if(allocations->begin(), allocations->end(),
                                    [&](const v1::AllocationState& a) {
                                      return hidden.contains(a.experiment_id());
                                    }),
                     allocations->end());
  for (v1::CouncilInputState& input : *state->mutable_council_inputs()) {
    if (hidden.contains(input.experiment_id())) input.clear_experiment_id();
  }
}

bool RedactProgrammeEvent(const absl::flat_hash_set<std::string>& hidden,
                          v1::ProgrammeEvent* event) {
  if (hidden.empty()) return true;
  if (event->has_budget_allocated() && hidden.contains(event->budget_allocated().experiment_id())) {
    event->mutable_budget_allocated()->clear_experiment_id();
    return false;
  }
  if (event->has_budget_released() && hidden.contains(event->budget_released().experiment_id())) {
    event->mutable_budget_released()->clear_experiment_id();
    return false;
  }
  if (event->has_council_input_recorded() &&
      hidden.contains(event->council_input_recorded().experiment_id())) {
    event->mutable_council_input_recorded()->clear_experiment_id();
  }
  if (event->has_knowledge_session_held()) {
    auto* ids = event->mutable_knowledge_session_held()->mutable_experiment_ids();
    ids->erase(std::remove_if(ids->begin(), ids->end(),
                              [&](const std::string& id) { return hidden.contains(id); }),
               ids->end());
  }
  return true;
}

bool NamesExperiment(const v1::ProgrammeEvent& event,
                     absl::FunctionRef<bool(const std::string& experiment_id)> matches) {
  switch (event.event_case()) {
    case v1::ProgrammeEvent::kBudgetAllocated:
      return matches(event.budget_allocated().experiment_id());
    case v1::ProgrammeEvent::kBudgetReleased:
      return matches(event.budget_released().experiment_id());
    case v1::ProgrammeEvent::kCouncilInputRecorded:
      return !event.council_input_recorded().experiment_id().empty() &&
             matches(event.council_input_recorded().experiment_id());
    case v1::ProgrammeEvent::kKnowledgeSessionHeld:
      for (const std::string& id : event.knowledge_session_held().experiment_ids()) {
        if (matches(id)) return true;
      }
      return false;
    default:
      return false;
  }
}

absl::StatusOr<StoredLevels> ReadStoredLevels(eventstore::ReadView& view) {
  StoredLevels out;
  RETURN_IF_ERROR(view.Scan(kDeciderStateProjection, "p/", "",
                            [&](std::string_view key, std::string_view row) {
                              auto level = StoredConfidentiality(
                                  row, v1::ProgrammeState::kConfidentialityFieldNumber);
                              out.programmes[std::string(key.substr(2))].level =
                                  level.value_or(v1::CONFIDENTIALITY_ZEER_GEHEIM);
                              return true;
                            }));
  RETURN_IF_ERROR(view.Scan(
      kDeciderStateProjection, "e/", "", [&](std::string_view key, std::string_view row) {
        // "e/<programme-id>/<experiment-id>": ids are slugs, without '/'.
        const std::string_view ids = key.substr(2);
        const size_t slash = ids.find('/');
        if (slash == std::string_view::npos) return true;  // not an experiment's row
        auto level = StoredConfidentiality(row, v1::ExperimentState::kConfidentialityFieldNumber);
        out.programmes[std::string(ids.substr(0, slash))]
            .experiments[std::string(ids.substr(slash + 1))] =
            level.value_or(v1::CONFIDENTIALITY_ZEER_GEHEIM);
        return true;
      }));
  return out;
}

}  // namespace proeftuin::app
