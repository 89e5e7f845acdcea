// Projections: derived rows kept beside the log, each in its own column family.
//
// An *inline* projector runs on the store's single writer thread: its rows are written in the
// same WriteBatch as the events they derive from, so a query never sees them older than an
// acknowledged write. An *async* projector follows the log on its own thread with a checkpoint.
// Either kind can be dropped and rebuilt from the log (EventStore::Rebuild).
//
// Thread-safety: a Projector is called from one thread at a time (the writer, its follower, or
// a rebuild), never concurrently; a rebuild that runs beside the writer uses its own instance
// (NewInstance). ReadView is not thread-safe (one per request).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace proeftuin::eventstore {

struct RecordedEvent;

// A projector's access to its own rows while it applies events. Reads see the writes made
// earlier in the same commit group (an overlay over the committed rows).
class ProjectionWriter {
 public:
  virtual ~ProjectionWriter() = default;
  virtual std::optional<std::string> Get(std::string_view key) = 0;
  virtual void Put(std::string_view key, std::string_view value) = 0;
  virtual void Delete(std::string_view key) = 0;
  // The committed event at `position` (nullopt when there is none), without its personal-data
  // part: what a projector reads when it needs an earlier event again, e.g. the one a
  // correction names. Rare: it reads the log.
  virtual std::optional<RecordedEvent> EventAt(uint64_t position) = 0;
};

class Projector {
 public:
  virtual ~Projector() = default;
  // Stable name, [a-z0-9_]{1,64}; the rows live in column family "proj/<name>/<generation>".
  virtual std::string Name() const = 0;
  // Bump when the rows change meaning: a store opened with another version rebuilds them.
  virtual uint32_t Version() const = 0;
  // Applies one committed event. Must not fail: an event has happened. Unknown types are
  // ignored.
  virtual void Apply(const RecordedEvent& event, ProjectionWriter& rows) = 0;
  // Whether Apply reads the header's who-and-why fields: event_id, actor, reason, request_id,
  // correlation_id, causation_id, previous_hash. A rebuild whose projectors all answer false
  // decodes only the other fields of each header (position, stream, stream_version, type,
  // schema_version, recorded_at_us, occurred_on, confidentiality, has_personal) and passes
  // these empty: parsing whole headers was a fifth of a replay's time (docs/PERFORMANCE.md).
  // The writer and an async projection's follower always pass whole headers.
  virtual bool ReadsWholeHeader() const { return true; }
  // Whether Apply reads rows back (Get) or writes one row more than once in a batch. A projector
  // that only adds rows keyed by the event, such as an index, answers false: its rows then skip
  // the overlay that a reader needs (a hash map of copied keys, a tenth of the audit index's
  // follower) and go to the batch as written, in key order. Delete still works, and so does
  // Get, but it looks at every row written in the batch so far: for rare use only.
  virtual bool ReadsOwnRows() const { return true; }
  // Whether an event of this stream and type can change this projector's rows. A rebuild
  // decodes and applies only the events some projector wants; Apply must leave the rows as
  // they are for the others (the writer still passes them). True (the default): every event.
  virtual bool Wants(std::string_view stream, std::string_view type) const {
    (void)stream;
    (void)type;
    return true;
  }
  // Rebuilding on several threads (ShadowRebuild in the store): a projector whose rows fall
  // apart by a part of the stream name answers true and names that part in PartOf. A long
  // rebuild then gives each of its threads an instance (NewInstance) and, in log order, the
  // events of the parts that fall to that thread, so the instances must read and write only
  // rows of their own parts and EventAt only events of their own parts. The deciders' state
  // does so by programme: a programme's streams and its experiments' touch only its own rows.
  // False (the default): one instance gets every event, on one thread. Wants and PartOf must
  // answer alike on every instance (the rebuild asks one of them for all).
  virtual bool RebuildsInParts() const { return false; }
  // The part of `stream` (a view into it); any value for a stream the projector ignores.
  virtual std::string_view PartOf(std::string_view stream) const { return stream; }
  // Called after the events of one commit group (or one rebuild chunk, or one step of an async
  // follower) were applied and before their rows are written: a projector that keeps rows in
  // memory between Apply calls (parsed states, so that a stream's state is parsed and
  // serialized once per group rather than once per event) puts them into `rows` here and
  // forgets them. It must hold nothing afterwards: the next group may start from other rows.
  virtual void Flush(ProjectionWriter& rows) { (void)rows; }
  // An inline projection's writer calls this after the rows of its last Flush were written:
  // they are in the store, and every read view at `last_position` or later reads them (until
  // the next Flush writes again). Never after a failed write, a rebuild chunk or a follower's
  // step. A projector that keeps what it wrote in memory may know from here on that it is
  // current.
  virtual void Committed(uint64_t last_position) { (void)last_position; }
  // A rebuild's rows are about to be swapped in for this projection's, or this very projector
  // is about to replay into a new generation: the rows it wrote before are no longer the ones
  // it and the views read (a rebuild writes the same bytes, but what a projector learnt in
  // Committed should not rest on that).
  virtual void Swapped() {}
  // A new projector of the same kind and configuration that holds nothing yet. An inline
  // projection's rebuild replays the log into its new generation with one, off the writer
  // thread, while this projector goes on applying new events; appends then wait only while the
  // rebuild applies the last few thousand events and swaps the generations in. nullptr (the
  // default): appends wait for the whole rebuild. Called while the writer applies this
  // projector: it may read only what does not change after construction (its configuration).
  virtual std::unique_ptr<Projector> NewInstance() const { return nullptr; }
};

// A consistent, read-only view of the log and every projection as of one log position.
class ReadView {
 public:
  virtual ~ReadView() = default;
  // The log position this view is consistent with (inline projections are exactly here).
  virtual uint64_t position() const = 0;
  // NOT_FOUND when no projection has that name.
  virtual absl::StatusOr<std::optional<std::string>> Get(std::string_view projection,
                                                         std::string_view key) = 0;
  // Calls fn for every row whose key starts with `prefix`, in key order, from `start_after`
  // (exclusive, empty = from the first), until fn returns false.
  virtual absl::Status Scan(
      std::string_view projection, std::string_view prefix, std::string_view start_after,
      const std::function<bool(std::string_view key, std::string_view value)>& fn) = 0;
  // The last log position a projection has applied in this view (inline: position()).
  virtual absl::StatusOr<uint64_t> ProjectionPosition(std::string_view projection) = 0;
  // Calls fn for each event of `stream` in version order as of this view (none after
  // position()), until fn returns false. The events carry no personal-data part. An unknown
  // stream has no events. DATA_LOSS when the stream's index names a record that is missing,
  // does not decode or is of another stream. What the views read a stream's history from: the log itself, so a replay
  // does not copy every event into a view (docs/VIEWS.md).
  virtual absl::Status ReadStream(std::string_view stream,
                                  const std::function<bool(const RecordedEvent&)>& fn) = 0;
  // The event at `position` as of this view (nullopt when there is none, e.g. after
  // position()), without its personal-data part. DATA_LOSS when the record does not decode.
  virtual absl::StatusOr<std::optional<RecordedEvent>> EventAt(uint64_t position) = 0;
};

// Progress of a rebuild: events replayed so far out of the total (which grows when a rebuild
// beside the writer catches up with appends made meanwhile). Called on the thread that replays:
// the caller's, the writer's (the end of an inline rebuild) or an async projection's follower.
using RebuildProgress = std::function<void(uint64_t done, uint64_t total)>;

}  // namespace proeftuin::eventstore
