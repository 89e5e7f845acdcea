// DeciderStateProjector: the inline projection "decider_state" that keeps the deciders' state
// per stream (ENGINEERING.md §1), so a command never replays its stream.
//
// Rows: "p/<programme-id>" -> v1::ProgrammeState, "e/<programme-id>/<experiment-id>" ->
// v1::ExperimentState (serialized). Scanning "e/<programme-id>/" lists a programme's
// experiments; scanning "p/" lists programmes.
//
// A state's list of correctable events (`correctable_events`) is split when stored: the state
// row keeps the kinds a stream holds once (selection, rejection, start, ...); the events a
// stream holds many of (activities, expenditures, council input and answers, knowledge
// sessions) are not stored again. As recorded, they are in the log; one that a correction
// changed gets a row with its current values, "cp/<programme-id>/" or
// "ce/<programme-id>/<experiment-id>/" + BE64(position) -> v1::CorrectableEvent. So a state row
// stays small however long the experiment runs, an event costs the same to fold in at the
// ten-thousandth activity as at the first, and a replay writes no row per activity. Loading with
// Correctables::kAll puts the whole list back together (the stream's events from the log, the
// rows over them).
//
// "t/<programme-id>" -> BE64(position of the newest event of the programme or any of its
// experiments): whatever is derived from a programme's streams alone is unchanged while it is.
//
// Thread-safety: a DeciderStateProjector is called by one thread at a time: the store's writer,
// or (an instance of its own, NewInstance) a rebuild beside it.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/node_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/arena.h"
#include "domain/decider.h"
#include "eventstore/event_store.h"
#include "eventstore/projection.h"
#include "proeftuin/v1/state.pb.h"

namespace proeftuin::app {

inline constexpr char kDeciderStateProjection[] = "decider_state";

// What Evolve learns of a stored event besides its payload: position, version, times.
domain::EventContext EventContextOf(const eventstore::RecordedEvent& e);

std::string ProgrammeKey(std::string_view programme_id);
std::string ExperimentKey(std::string_view programme_id, std::string_view experiment_id);
std::string ExperimentPrefix(std::string_view programme_id);

struct DeciderStateCaches;

class DeciderStateProjector : public eventstore::Projector {
 public:
  // With `caches`, Flush offers each state it serializes to them, and the first event of a
  // stream in a group takes its state back (the store's own projector: on the writer, and in
  // a rebuild at open; a rebuild beside the writer runs a NewInstance, which has none).
  explicit DeciderStateProjector(std::shared_ptr<DeciderStateCaches> caches = nullptr)
      : caches_(std::move(caches)) {}
  std::string Name() const override { return kDeciderStateProjection; }
  // 2: correctable events of repeating types in rows of their own; 3: "t/" rows; 4: council
  // inputs keep the dates they were received and answered on; 5: rows only for the repeating
  // events a correction changed.
  uint32_t Version() const override { return 5; }
  void Apply(const eventstore::RecordedEvent& event, eventstore::ProjectionWriter& rows) override;
  bool ReadsWholeHeader() const override { return false; }  // place and kind only
  // Programme and experiment streams.
  bool Wants(std::string_view stream, std::string_view type) const override;
  // By programme: the rows of a programme and its experiments (states, corrected events, the
  // "t/" stamp) are read and written only for events of their streams, and a correction
  // names an event of its own stream.
  bool RebuildsInParts() const override { return true; }
  std::string_view PartOf(std::string_view stream) const override;
  // Serializes the states of this group (or rebuild chunk) into their rows, once each.
  void Flush(eventstore::ProjectionWriter& rows) override;
  std::unique_ptr<eventstore::Projector> NewInstance() const override {
    return std::make_unique<DeciderStateProjector>();
  }
  // Confirms the last Flush's offers to the caches (StateRowCache::Confirm).
  void Committed(uint64_t last_position) override;
  void Swapped() override;

 private:
  // The states the events since the last Flush changed, parsed, by row key: a stream's state
  // is parsed when its first event of a group arrives and serialized at the group's end, not
  // once per event (a rebuild chunk holds thousands of events of a few hundred streams).
  absl::node_hash_map<std::string, std::variant<v1::ProgrammeState, v1::ExperimentState>> states_;
  // The newest position of each programme's streams since the last Flush, by "t/" row key.
  absl::flat_hash_map<std::string, uint64_t> stamps_;
  // The row keys of a stream, by stream name: built once, not for every event of a replay. They
  // are not rows (nothing here changes with the log), so they stay across groups.
  struct StreamKeys {
    bool decider_state = false;  // a programme or experiment stream
    bool programme = false;
    std::string state_key;  // "p/<programme-id>" or "e/<programme-id>/<experiment-id>"
    std::string prefix;     // of its correctable rows
    std::string stamp_key;  // "t/<programme-id>"
  };
  std::shared_ptr<DeciderStateCaches> caches_;
  // Tells caches_ (when set) that the event at `position` changed or set a level.
  void NoteLevelChange(uint64_t position);
  // What the last Flush offered to caches_, for Committed.
  struct Offered {
    bool programme;
    std::string key;
    uint64_t offer;
  };
  std::vector<Offered> offered_;
  static constexpr size_t kMaxStreamKeys = 65536;
  const StreamKeys& KeysOf(std::string_view stream);
  absl::flat_hash_map<std::string, StreamKeys> keys_;
  // Where Apply decodes each event, emptied every kArenaEvents events; its first block (64 KiB:
  // the messages of that many events, as a rule) is kept across resets.
  static constexpr int kArenaEvents = 16;
  int arena_events_ = 0;
  static google::protobuf::ArenaOptions ArenaOn(char* block, size_t size) {
    google::protobuf::ArenaOptions o;
    o.initial_block = block;
    o.initial_block_size = size;
    return o;
  }
  alignas(16) char arena_block_[64 << 10];
  google::protobuf::Arena arena_{ArenaOn(arena_block_, sizeof(arena_block_))};
};

// Which correctable events a loaded state carries: every one (as Evolve built the state), or
// only those of the kinds a stream holds once (what deciders other than a correction need; the
// views read the selection and rejection positions from them).
enum class Correctables { kAll, kOneOff };

// Reads decider state from a view. NOT_FOUND-free: absent objects are nullopt. DATA_LOSS when a
// stored row does not parse.
absl::StatusOr<std::optional<v1::ProgrammeState>> LoadProgramme(
    eventstore::ReadView& view, std::string_view programme_id,
    Correctables which = Correctables::kAll);
absl::StatusOr<std::optional<v1::ExperimentState>> LoadExperiment(
    eventstore::ReadView& view, std::string_view programme_id, std::string_view experiment_id,
    Correctables which = Correctables::kAll);

// Decider states as commands decide on them (kOneOff: the row as stored), each kept with the
// row it is the parse of. Every experiment command reads its programme's state, which changes
// only at programme events; parsing it (an allocation per budget line of every experiment)
// cost ~8 % of the server's CPU per command at 64 clients. An experiment's state changes at
// every command on it, so the writer offers each state it has just serialized
// (DeciderStateProjector::Flush) and the next command on that experiment reads its row and
// finds it parsed: ~3 % of the server's CPU per command at 64 clients (docs/PERFORMANCE.md).
// A lookup reads the row from the caller's view and compares the bytes, so it answers exactly
// what LoadProgramme / LoadExperiment would for that view, whoever cached the entry and whether
// or not the write it was offered for was committed. It skips the read only for an entry the
// writer offered and then confirmed (Confirm: its write succeeded, ending at position P) when
// the view is at P or later: every write of the row is offered before it is committed, and an
// offer replaces the entry, so a view that holds P and still finds the entry confirmed holds no
// later write of the row (a later write's view would find its own offer). A rebuild's swap
// forgets every confirmation (ForgetConfirmations). An entry is replaced only by a state of the
// same or a newer stream version, or by the writer's next offer. Holds at most max_entries, all
// dropped when full.
//
// Thread-safety: thread-safe; the states it returns are shared and immutable.
template <typename State>
class StateRowCache {
 public:
  explicit StateRowCache(size_t max_entries) : max_entries_(max_entries) {}
  // nullptr when there is no row under `key`. DATA_LOSS when the row does not parse.
  absl::StatusOr<std::shared_ptr<const State>> LoadRow(eventstore::ReadView& view, const std::string& key);
  // `state` is the parse of `row`, stored under `key` (or about to be). Returns the offer's
  // number (never 0), for Confirm.
  uint64_t Offer(const std::string& key, std::string row, State state);
  // The write of offer number `offer` under `key` succeeded, its group ending at
  // `last_position`: views at that position or later read its row. Nothing when the entry is
  // no longer that offer.
  void Confirm(const std::string& key, uint64_t offer, uint64_t last_position);
  // The rows may no longer be those the writer confirmed (a rebuild was swapped in).
  void ForgetConfirmations();
  // The writer takes back the state it offered under `key` when it is the parse of `row` and
  // no reader holds it, to fold the next events into instead of parsing the row again; the
  // entry leaves the cache until the writer offers it again. nullopt otherwise.
  std::optional<State> Take(const std::string& key, std::string_view row);
  // The writer's state of `key` without reading its row: when the entry is its own confirmed
  // offer, the state (taken back when no reader holds it, else a copy). nullopt otherwise:
  // read the row and Take.
  std::optional<State> TakeConfirmed(const std::string& key);
  // Parses of a row by LoadRow (misses), states the writer took back, and lookups answered
  // without reading the row (LoadRow and TakeConfirmed), for tests.
  uint64_t parses() const;
  uint64_t takes() const;
  uint64_t unread() const;

 private:
  struct Entry {
    std::string row;
    std::shared_ptr<State> state;  // handed out as const; only Take moves it out
    uint64_t offer = 0;  // the writer's offer number; 0 for a reader's parse
    // The last position of the group whose write stored `row` (0: not confirmed). Guarded by
    // the cache's mu_.
    mutable uint64_t confirmed_at = 0;
  };
  // `newest`: replaces whatever is cached (the writer's offer); else replaces only a state of
  // the same or an older stream version.
  void Keep(const std::string& key, std::shared_ptr<const Entry> entry, bool newest) ABSL_LOCKS_EXCLUDED(mu_);
  const size_t max_entries_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const Entry>> entries_ ABSL_GUARDED_BY(mu_);
  uint64_t parses_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t takes_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t unread_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t offers_ ABSL_GUARDED_BY(mu_) = 0;
};

class ProgrammeStateCache : public StateRowCache<v1::ProgrammeState> {
 public:
  static constexpr size_t kMaxEntries = 64;
  ProgrammeStateCache() : StateRowCache(kMaxEntries) {}
  absl::StatusOr<std::shared_ptr<const v1::ProgrammeState>> Load(eventstore::ReadView& view,
                                                                 std::string_view programme_id);
};

class ExperimentStateCache : public StateRowCache<v1::ExperimentState> {
 public:
  static constexpr size_t kMaxEntries = 1024;
  ExperimentStateCache() : StateRowCache(kMaxEntries) {}
  absl::StatusOr<std::shared_ptr<const v1::ExperimentState>> Load(eventstore::ReadView& view,
                                                                  std::string_view programme_id,
                                                                  std::string_view experiment_id);
};

// The caches one store's writer (DeciderStateProjector) fills and its command handler reads.
struct DeciderStateCaches {
  ProgrammeStateCache programmes;
  ExperimentStateCache experiments;
  // The position of the newest event that changed a programme's or an experiment's
  // confidentiality (or created one above openbaar), set on the writer before its group is
  // written, as PrincipalChanges is. EventService's subscriptions read the levels again once an event at
  // this position or later has been committed (views::EventVisibility::Refresh).
  std::atomic<uint64_t> level_change{0};
};

// Adds the stored correctable event at `position` of the programme (or, with an experiment id,
// of the experiment) to `list`, in position order, when it is one of the repeating kinds and
// not there yet: what a correction's Decide needs after a kOneOff load.
absl::Status LoadCorrectable(eventstore::ReadView& view, std::string_view programme_id,
                             std::string_view experiment_id, uint64_t position,
                             google::protobuf::RepeatedPtrField<v1::CorrectableEvent>* list);
// Adds every stored correctable event of the repeating kinds to `list` (a state loaded with
// kOneOff, or read by a scan, then holds all of them, as Evolve built it).
absl::Status AddRepeatingCorrectables(
    eventstore::ReadView& view, std::string_view programme_id, std::string_view experiment_id,
    google::protobuf::RepeatedPtrField<v1::CorrectableEvent>* list);

// The position of the newest event of the programme or any of its experiments (0: none).
// DATA_LOSS when the row is malformed.
absl::StatusOr<uint64_t> LastPositionOfProgramme(eventstore::ReadView& view,
                                                 std::string_view programme_id);

// The programme's experiment states, with their one-off correctable events only.
absl::StatusOr<std::vector<v1::ExperimentState>> LoadExperiments(eventstore::ReadView& view,
                                                                 std::string_view programme_id);

// The ids of the programme's experiments above `clearance` (none at the highest clearance).
// Reads each experiment row's confidentiality only. DATA_LOSS when a row is malformed.
absl::StatusOr<absl::flat_hash_set<std::string>> HiddenExperiments(eventstore::ReadView& view,
                                                                   std::string_view programme_id,
                                                                   v1::Confidentiality clearance);
// A programme's state as a reader below some of its experiments' levels may see it: the
// allocations of `hidden` experiments dropped, and their ids taken from council input about
// them (the views do the same; docs/ROLES.md: objects above a clearance are never revealed).
// The stream version still counts every event of the programme stream: clients need it to
// send an expected version.
void RedactProgramme(const absl::flat_hash_set<std::string>& hidden, v1::ProgrammeState* state);
// The same for one programme event (the audit trail's payloads): the ids of `hidden`
// experiments taken from council input, knowledge sessions, allocations and releases. False
// for an allocation or a release of a hidden experiment: the event as a whole is about it.
bool RedactProgrammeEvent(const absl::flat_hash_set<std::string>& hidden, v1::ProgrammeEvent* event);
// True when the programme event names an experiment for which `matches` is true (the fields
// RedactProgrammeEvent clears: an allocation, a release, council input, a knowledge session).
bool NamesExperiment(const v1::ProgrammeEvent& event,
                     absl::FunctionRef<bool(const std::string& experiment_id)> matches);

// The confidentiality of every programme and of its experiments, read from their decider-state
// rows (only that field). A level never set reads as CONFIDENTIALITY_UNSPECIFIED; a row that
// cannot be read as CONFIDENTIALITY_ZEER_GEHEIM (its object is hidden from every reader below
// that, rather than every read of the levels failing for one row).
struct StoredLevels {
  struct Programme {
    v1::Confidentiality level = v1::CONFIDENTIALITY_UNSPECIFIED;
    absl::flat_hash_map<std::string, v1::Confidentiality> experiments;
  };
  absl::flat_hash_map<std::string, Programme> programmes;
};
// The view's status when it cannot be read.
absl::StatusOr<StoredLevels> ReadStoredLevels(eventstore::ReadView& view);

}  // namespace proeftuin::app
