// EventStore: the append-only, hash-chained event log of Proeftuin (docs/DESIGN.md,
// docs/FORMAT.md). This header is the interface every backend implements; the embedded default
// is the RocksDB implementation (eventstore/rocks_store.h).
//
// Thread-safety: every method of EventStore and Subscription is safe to call from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "eventstore/projection.h"
#include "eventstore/sha256.h"
#include "proeftuin/v1/store.pb.h"

namespace proeftuin::eventstore {

// What the writer expects of a stream's current version (as EventStoreDB does).
struct ExpectedVersion {
  enum class Kind { kAny, kNoStream, kStreamExists, kExact };
  Kind kind = Kind::kAny;
  uint64_t version = 0;  // only for kExact

  static ExpectedVersion Any() { return {Kind::kAny, 0}; }
  static ExpectedVersion NoStream() { return {Kind::kNoStream, 0}; }
  static ExpectedVersion StreamExists() { return {Kind::kStreamExists, 0}; }
  static ExpectedVersion Exact(uint64_t v) { return {Kind::kExact, v}; }
  std::string ToString() const;  // "ANY", "NO_STREAM", "STREAM_EXISTS", "EXACT 3"
};

// One event to append. The store fills in position, version, times, ids and hashes.
struct NewEvent {
  std::string type;             // e.g. "proeftuin.v1.ProgrammeDrafted"
  uint32_t schema_version = 1;  // of the payload
  std::string payload;          // serialized event message
  std::string personal;         // personal-data part; empty = none (docs/FORMAT.md)
  v1::Confidentiality confidentiality = v1::CONFIDENTIALITY_OPENBAAR;
  std::string event_id;  // optional; a random UUID when empty
  // Per-event overrides of the append's occurred_on and reason (empty: the append's).
  std::optional<v1::Date> occurred_on;
  std::string reason;
};

// Events for one stream, with the version the writer expects the stream to be at.
struct StreamAppend {
  std::string stream;
  ExpectedVersion expected;
  std::vector<NewEvent> events;  // at least one
};

// A check-only expectation on a stream this append does not write.
struct StreamCheck {
  std::string stream;
  ExpectedVersion expected;
};

// OK when `id` may be an AppendRequest's request_id ([A-Za-z0-9._:-]{1,128}); else
// INVALID_ARGUMENT naming `field`. Append checks it too; callers may check it first.
absl::Status ValidateRequestId(std::string_view field, std::string_view id);

// One atomic append: all streams or none.
struct AppendRequest {
  std::string request_id;   // client-chosen, [A-Za-z0-9._:-]{1,128}; kept for good
  std::string fingerprint;  // caller's hash of the command; same id + other fingerprint = error
  std::vector<StreamAppend> appends;
  std::vector<StreamCheck> checks;
  v1::Actor actor;
  std::string reason;
  std::string correlation_id;
  std::string causation_id;
  std::optional<v1::Date> occurred_on;
};

struct AppendResult {
  uint64_t first_position = 0;
  uint64_t last_position = 0;
  std::vector<v1::StreamVersion> stream_versions;  // new version per stream written
  int64_t committed_at_us = 0;
  bool duplicate = false;  // true when this is the stored result of an earlier append
};

// A stored event as read back.
struct RecordedEvent {
  v1::EventHeader header;
  std::string payload;
  std::optional<std::string> personal;  // absent when the event has none or it was erased
  Digest personal_digest{};
  Digest hash{};

  uint64_t position() const { return header.position(); }
};
using EventPtr = std::shared_ptr<const RecordedEvent>;

// Which events a reader wants; empty fields match everything.
struct EventFilter {
  std::string stream_prefix;
  std::vector<std::string> types;  // exact event types; any of them
  bool Matches(const v1::EventHeader& h) const { return Matches(h.stream(), h.type()); }
  bool Matches(std::string_view stream, std::string_view type) const;
};

// One event of an EventPage: views into the page's memory, valid until the page is refilled or
// destroyed. The header is the stored bytes (what the hash chain covers); the fields a reader
// filters or redacts on are read from it, the rest is parsed by Decode().
struct EventView {
  uint64_t position = 0;
  std::string_view header_bytes;  // a serialized proeftuin.v1.EventHeader, as stored
  std::string_view stream;
  std::string_view type;
  v1::Confidentiality confidentiality = v1::CONFIDENTIALITY_UNSPECIFIED;
  std::string_view payload;
  std::optional<std::string_view> personal;  // absent when the event has none or it was erased
  Digest personal_digest{};
  Digest hash{};

  // Parses the header into `header`. DATA_LOSS (naming the position) when it does not parse.
  absl::Status ParseHeader(v1::EventHeader* header) const;
  // The event as ReadAll returns it (header parsed, parts copied).
  absl::StatusOr<RecordedEvent> Decode() const;
};

// A page of the log read without decoding: the stored records copied into a few large blocks
// and one EventView per event. Refilling a page reuses its blocks, so a reader that pages
// through the log with one EventPage allocates almost nothing after the first page.
class EventPage {
 public:
  EventPage() = default;
  // Not copyable (a copy's views would point into this page's blocks); moving keeps them valid.
  EventPage(const EventPage&) = delete;
  EventPage& operator=(const EventPage&) = delete;
  EventPage(EventPage&&) = default;
  EventPage& operator=(EventPage&&) = default;

  std::vector<EventView> events;
  uint64_t next_position = 0;  // continue from here (events skipped by the filter count)
  bool end_of_log = false;     // true when nothing past next_position - 1 exists yet

  // For the store: forgets the events and keeps the blocks (but one that held a record larger
  // than a block); Copy keeps `bytes` in the page and returns a view of the copy that stays
  // valid until the next Clear.
  void Clear();
  std::string_view Copy(std::string_view bytes);

 private:
  static constexpr size_t kFirstBlockBytes = 64 << 10;
  static constexpr size_t kBlockBytes = 1 << 20;
  struct Block {
    std::unique_ptr<char[]> bytes;
    size_t capacity = 0;
    size_t used = 0;
  };
  std::vector<Block> blocks_;  // never reallocated while in use: views point into them
  size_t current_ = 0;         // the block being filled
};

struct ReadAllResult {
  std::vector<RecordedEvent> events;
  uint64_t next_position = 0;  // continue from here (events skipped by the filter count)
  bool end_of_log = false;     // true when nothing past next_position - 1 exists yet
};

enum class Direction { kForward, kBackward };

struct StreamInfo {
  std::string stream;
  uint64_t version = 0;        // of the last event
  uint64_t last_position = 0;  // global position of the last event
};

// A published head of the chain: position and hash.
struct ChainDigest {
  uint64_t position = 0;
  Digest hash{};
  std::string ToString() const;  // "POS:HEX"
  static absl::StatusOr<ChainDigest> Parse(std::string_view s);  // INVALID_ARGUMENT if malformed
};

struct VerifyResult {
  bool ok = true;
  uint64_t from = 0, to = 0;     // range checked
  uint64_t events_checked = 0;
  uint64_t first_bad_position = 0;  // 0 when ok
  std::string problem;              // what failed at first_bad_position
  ChainDigest head;                 // recomputed hash at `to`
};

// A live subscription: catch-up from disk, one kCaughtUp, then live events in order.
struct SubscriptionMessage {
  enum class Kind { kEvent, kCaughtUp, kCheckpoint };
  Kind kind = Kind::kEvent;
  EventPtr event;         // for kEvent
  uint64_t position = 0;  // kEvent: its position; kCaughtUp/kCheckpoint: last position scanned
};

class Subscription {
 public:
  virtual ~Subscription() = default;
  // Blocks until the next message or `deadline`. DEADLINE_EXCEEDED when nothing came (call
  // again), CANCELLED after Cancel(), UNAVAILABLE when the store closed.
  virtual absl::StatusOr<SubscriptionMessage> Next(absl::Time deadline) = 0;
  // Wakes a blocked Next() and ends the subscription. Thread-safe, idempotent.
  virtual void Cancel() = 0;
};

struct SubscribeOptions {
  uint64_t from_position = 1;  // first position wanted
  EventFilter filter;
  // A kCheckpoint when this many positions were scanned without a delivered event, or when a
  // Next() waits this long while the scanned position moved.
  uint64_t checkpoint_every_events = 1000;
  absl::Duration checkpoint_interval = absl::Seconds(5);
};

// Everything about the store an operator wants to see.
struct StoreStats {
  uint64_t last_position = 0;
  uint64_t appends = 0, events_appended = 0, groups_committed = 0;
  uint64_t live_subscriptions = 0;
  // Read views that learned their position with one point lookup (a batch was being written),
  // and those that had to seek to the newest record (a write had failed, a batch began or
  // ended while the view was opened, the writer had not started, or the store is read-only).
  uint64_t read_views_during_write = 0, read_views_seeked = 0;
  // Commit groups whose answers the acknowledger picked up while spinning for them (low load:
  // a lone caller, two usable CPUs or more), without being woken (docs/DESIGN.md,
  // "Acknowledger at low load").
  uint64_t answers_picked_up_awake = 0;
  // Appends the writer took right after a spin for them that followed a lone append (low load,
  // two usable CPUs or more), without being woken (docs/DESIGN.md, "Writer at low load"). A
  // spin ended by a stop or a rebuild's task counts nothing.
  uint64_t appends_picked_up_awake = 0;
  // Those spins of the writer that reached their limit (the next append came later, or never);
  // after three in a row the writer stops spinning, but for one try every 256 lone appends.
  uint64_t writer_spins_given_up = 0;
  // Steps of the asynchronous projections that took their events from the live feed, and
  // those that read them from the log (the feed no longer held them, or one had personal data).
  uint64_t async_steps_from_feed = 0, async_steps_from_log = 0;
  uint64_t size_on_disk_bytes = 0;
  absl::Status write_health;
};

class EventStore {
 public:
  virtual ~EventStore() = default;

  // Appends atomically. Answers only after the fsync that covers it.
  // INVALID_ARGUMENT: malformed request (names the field). ABORTED: an expected version does not
  // hold (names stream, expected, actual). ALREADY_EXISTS: request id used with another
  // fingerprint. UNAVAILABLE / RESOURCE_EXHAUSTED: the store cannot write (nothing acknowledged).
  // DATA_LOSS: the store refuses to write because its log lacks events its other rows say were
  // committed (deleted afterwards; the positions are named, as in WriteHealth).
  virtual absl::StatusOr<AppendResult> Append(AppendRequest request) = 0;
  // As Append, answering through `done` (called once, from the writer thread after the fsync;
  // keep it short).
  virtual void AppendAsync(AppendRequest request,
                           std::function<void(absl::StatusOr<AppendResult>)> done) = 0;

  // The stored result of a request id: nullopt when unknown, the result (duplicate = true) when
  // the fingerprint matches, ALREADY_EXISTS when it does not, DATA_LOSS when the log no longer
  // holds the events it names. Lets a command handler answer a
  // retry before deciding anything.
  virtual absl::StatusOr<std::optional<AppendResult>> LookupRequest(
      std::string_view request_id, std::string_view fingerprint) = 0;
  // The same as of `view` (from this store's OpenReadView; INVALID_ARGUMENT otherwise): a
  // handler that decides from the view's state and looks the request up in the same snapshot
  // never meets the effect of an earlier attempt of the request without its stored result
  // (both are written in one batch); one that lands later is answered by the writer.
  virtual absl::StatusOr<std::optional<AppendResult>> LookupRequest(
      ReadView& view, std::string_view request_id, std::string_view fingerprint) = 0;

  // Events of one stream from `from_version` (kBackward: downwards; UINT64_MAX = from the end).
  // NOT_FOUND when the stream does not exist. DATA_LOSS, naming the stream and the version, when
  // its index does not match the events (a version missing, past the stream's head, or naming an
  // event of another stream or version).
  virtual absl::StatusOr<std::vector<RecordedEvent>> ReadStream(std::string_view stream,
                                                                Direction direction,
                                                                uint64_t from_version,
                                                                size_t max_count) = 0;
  // Events from `from_position` in log order, at most max_count of those matching `filter`.
  virtual absl::StatusOr<ReadAllResult> ReadAll(uint64_t from_position, size_t max_count,
                                                const EventFilter& filter) = 0;
  // The same into `*page`, replacing its contents and reusing the memory of the events it held:
  // a reader that pages through the log with one ReadAllResult allocates almost nothing after
  // the first page. On error `*page` is unspecified.
  virtual absl::Status ReadAllInto(uint64_t from_position, size_t max_count,
                                   const EventFilter& filter, ReadAllResult* page) = 0;
  // The events ReadAll returns, without decoding them: the fast way to page through the log
  // (EventService.ReadAll serves from it). Replaces the contents of `*page`; on error `*page` is
  // unspecified. DATA_LOSS when a record's framing or the header fields the scan reads
  // (position, stream, type, confidentiality) do not parse. Unlike ReadAll, the rest of a header
  // is parsed only on demand (EventView::ParseHeader): a header broken elsewhere (invalid UTF-8
  // in its reason, say) fails there, or not at all when the filter passes over its event.
  // Verify is the check of the whole log.
  virtual absl::Status ReadAllViews(uint64_t from_position, size_t max_count,
                                    const EventFilter& filter, EventPage* page) = 0;
  // NOT_FOUND when the stream does not exist.
  virtual absl::StatusOr<StreamInfo> GetStreamInfo(std::string_view stream) = 0;
  // Position of the last acknowledged event (0 for an empty log).
  virtual uint64_t LastPosition() const = 0;
  // Waits until the event at `position` is committed (true), or until `deadline` passes or the
  // store closes (false). Lets one thread serve many live readers without a Subscription each.
  virtual bool WaitForCommit(uint64_t position, absl::Time deadline) const = 0;

  virtual std::unique_ptr<Subscription> Subscribe(SubscribeOptions options) = 0;

  // Recomputes the chain over [from, to] (to = 0: up to the head). Up to the head (or past it)
  // it also checks that the log ends where the store's other rows say it was committed, and over
  // the whole log that the stream index matches the log both ways (docs/FORMAT.md,
  // "Verifying"). The result names the first position whose record or link does not match.
  // Errors: INVALID_ARGUMENT when to < from (to_position); OUT_OF_RANGE for a range past the end
  // of the log, naming from_position or to_position (an empty log has nothing to verify), unless
  // the log lost events there (then the result says so); otherwise only when the store cannot
  // be read.
  virtual absl::StatusOr<VerifyResult> Verify(uint64_t from, uint64_t to) = 0;
  virtual absl::StatusOr<ChainDigest> Digest() = 0;
  // Verify(1, 0), and checks the log still contains `published` and extends it.
  // INVALID_ARGUMENT for a digest at position 0 whose hash is not 32 zero bytes; OUT_OF_RANGE on
  // an empty log.
  virtual absl::StatusOr<VerifyResult> VerifyExtends(const ChainDigest& published) = 0;

  // A consistent view of the log and the projections (a RocksDB snapshot). It reads the
  // generation of each projection that was current at its snapshot for its whole life, also
  // after a Rebuild swapped a new one in. UNAVAILABLE when the store is closed or reopening.
  virtual absl::StatusOr<std::unique_ptr<ReadView>> OpenReadView() = 0;
  // Replays the whole log into a shadow of projection `name` and swaps it in. An inline
  // projection whose projector has a NewInstance is replayed beside the writer, and appends
  // wait (they are not refused) only while the last events are applied and the shadow swapped
  // in; without one, appends wait for the whole rebuild. Inline rebuilds take turns.
  // NOT_FOUND for an unknown name.
  virtual absl::Status Rebuild(std::string_view name, RebuildProgress progress) = 0;
  // Rebuilds every projection: the inline ones together in one pass over the log (each record
  // read and decoded once; beside the writer when every inline projector has a NewInstance,
  // else with appends waiting), swapped in together; then each async one
  // on its follower. Progress counts the events of all passes.
  virtual absl::Status RebuildAll(RebuildProgress progress) = 0;
  // Waits until projection `name` has applied `position`. DEADLINE_EXCEEDED at `deadline`.
  virtual absl::Status WaitForProjection(std::string_view name, uint64_t position,
                                         absl::Time deadline) = 0;

  // OK when appends can be written; otherwise the reason (UNAVAILABLE / RESOURCE_EXHAUSTED, or
  // DATA_LOSS when the store refuses to write over events lost from its log).
  virtual absl::Status WriteHealth() const = 0;
  virtual StoreStats Stats() const = 0;
  // Stats() without size_on_disk_bytes (left 0), which walks the store's folder with two stats
  // of every file (about 160 system calls on a store of a million events). For callers that
  // sample several times a second.
  virtual StoreStats Counters() const = 0;
};

}  // namespace proeftuin::eventstore
