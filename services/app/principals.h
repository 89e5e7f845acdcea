// Principals and tokens (AdminService), stored as events in streams "principal-<id>" so the
// trail shows who could do what, when; the inline projection "principals" answers
// authentication. Tokens are high-entropy random ("pt_" + 43 base64url characters), shown
// once, stored only as SHA-256.
//
// Rows: "p/<id>" -> v1::Principal; "t/<sha256 hex>" -> "<id> <token_id>";
//       "c/<certificate subject>" -> "<id>" (the first principal created with it; another
//       one takes it over only after that one was revoked).
//
// Thread-safety: PrincipalsProjector runs on the writer thread (an instance of its own,
// NewInstance, on a rebuild's thread); the other functions and PrincipalAdmin are thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "eventstore/event_store.h"
#include "eventstore/projection.h"
#include "proeftuin/v1/admin_service.pb.h"
#include "proeftuin/v1/audit_service.pb.h"
#include "proeftuin/v1/principal_events.pb.h"

namespace proeftuin::app {

inline constexpr char kPrincipalsProjection[] = "principals";
inline constexpr char kPrincipalStreamPrefix[] = "principal-";

std::string PrincipalStream(std::string_view principal_id);
// "programme_manager", "college", ... (the role's enum name without ROLE_, lowercase).
std::string RoleName(v1::Role role);
// RoleName without building it: a name that lives as long as the process.
std::string_view RoleNameView(v1::Role role);
// The stored type name of a principal event, e.g. "proeftuin.v1.TokenIssued".
std::string PrincipalEventType(const v1::PrincipalEvent& e);

// The position of the newest principal event one store's principals projector applied (see
// LastPrincipalChange), shared with the TokenCache of the same store.
using PrincipalChanges = std::atomic<uint64_t>;

class PrincipalsProjector : public eventstore::Projector {
 public:
  // `changes`: also kept there (and by the instances it makes for rebuilds).
  explicit PrincipalsProjector(std::shared_ptr<PrincipalChanges> changes = nullptr)
      : changes_(std::move(changes)) {}
  std::string Name() const override { return kPrincipalsProjection; }
  uint32_t Version() const override { return 2; }  // 2: a bound subject is not taken over
  void Apply(const eventstore::RecordedEvent& event, eventstore::ProjectionWriter& rows) override;
  bool ReadsWholeHeader() const override { return false; }  // place and kind only
  bool Wants(std::string_view stream, std::string_view) const override {
    return stream.starts_with(kPrincipalStreamPrefix);
  }
  std::unique_ptr<eventstore::Projector> NewInstance() const override {
    return std::make_unique<PrincipalsProjector>(changes_);
  }

 private:
  std::shared_ptr<PrincipalChanges> changes_;
};

// The position of the newest principal event (a token issued, rotated or revoked, a role or a
// clearance changed, a principal revoked) this process's projectors applied; 0 before any. Set
// before the event is committed, so a reader that sees a committed position at or past it can
// authenticate again against the change: long-lived calls (Subscribe) do, so that a revoked
// credential or a lowered clearance does not keep a stream open.
uint64_t LastPrincipalChange();

// Folds one principal event into a principal (shared by the projector and the audit trail).
void EvolvePrincipal(v1::Principal& p, const v1::PrincipalEvent& e, int64_t recorded_at_us);

struct Authenticated {
  // Never null. Shared with TokenCache's entry, not copied: a principal holds all its tokens.
  std::shared_ptr<const v1::Principal> principal;
  std::string token_id;  // empty for a certificate
};

// UNAUTHENTICATED when the token is unknown, expired or revoked, or its principal revoked.
absl::StatusOr<Authenticated> AuthenticateToken(eventstore::ReadView& view, std::string_view token,
                                                absl::Time now);
// AuthenticateToken for the tokens this process has authenticated before, without reading the
// token's row and its principal's row again (two point reads and a parse per call: about 4 % of
// the server's CPU per command at 64 clients, docs/PERFORMANCE.md). An entry read from a view
// at position P answers for a view at V >= P only while no principal event after P has been
// applied (LastPrincipalChange() <= P): then the principals projection is the same at V as at
// P. A token issued, rotated or revoked, a principal revoked, a role or a clearance changed:
// each is a principal event, so the next call reads the rows again. Expiry is checked at every
// call. Only authentications that succeeded are kept, by the token's SHA-256; at most
// kMaxEntries, all dropped when full. One cache per store: its positions are that store's.
// `changes`: the store's own count (PrincipalsProjector); without it, the process's
// LastPrincipalChange(), which is as safe but, with several stores in one process, makes a
// store whose positions are below another's last principal event miss every time.
//
// Thread-safety: thread-safe.
class TokenCache {
 public:
  static constexpr size_t kMaxEntries = 4096;
  explicit TokenCache(std::shared_ptr<const PrincipalChanges> changes = nullptr) : changes_(std::move(changes)) {}
  absl::StatusOr<Authenticated> Authenticate(eventstore::ReadView& view, std::string_view token,
                                             absl::Time now);
  // Calls answered from the cache, and calls that read the rows (for tests and benchmarks).
  uint64_t hits() const;
  uint64_t misses() const;

 private:
  struct Entry {
    uint64_t position;  // of the view the rows were read from
    std::shared_ptr<const v1::Principal> principal;
    std::string token_id;
  };
  const std::shared_ptr<const PrincipalChanges> changes_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const Entry>> entries_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> hits_{0}, misses_{0};
};

// UNAUTHENTICATED when no principal has this certificate subject, or it was revoked.
absl::StatusOr<Authenticated> AuthenticateCertificate(eventstore::ReadView& view,
                                                      std::string_view subject);
// The unrevoked principal a certificate subject is bound to; nullopt when none. A subject is
// bound to the first principal created with it and stays bound until that one is revoked.
absl::StatusOr<std::optional<std::string>> CertificateHolder(eventstore::ReadView& view, std::string_view subject);
// INVALID_ARGUMENT (field named) for a subject that gRPC's RFC 2253 form can never equal
// (OpenSSL's "/O=.../CN=..." or "CN = x, O = y"), or longer than 500 characters. Empty is fine.
absl::Status ValidateCertificateSubject(std::string_view subject);

// The administrator's operations on principals. Every change is an append with the caller's
// request id (a retry returns the principal as it is, and no token).
class PrincipalAdmin {
 public:
  PrincipalAdmin(eventstore::EventStore* store, std::function<absl::Time()> clock)
      : store_(store), clock_(std::move(clock)) {}

  // INVALID_ARGUMENT (field named), ALREADY_EXISTS (id taken), store errors.
  absl::StatusOr<v1::CreatePrincipalResponse> Create(const v1::CreatePrincipalRequest& r,
                                                     const v1::Actor& actor);
  absl::StatusOr<std::vector<v1::Principal>> List();
  // NOT_FOUND for an unknown principal (or token), FAILED_PRECONDITION when revoked.
  absl::StatusOr<v1::Principal> ChangeRole(const v1::ChangeRoleRequest& r, const v1::Actor& a);
  absl::StatusOr<v1::Principal> ChangeClearance(const v1::ChangeClearanceRequest& r,
                                                const v1::Actor& a);
  absl::StatusOr<v1::RotateTokenResponse> RotateToken(const v1::RotateTokenRequest& r,
                                                      const v1::Actor& a);
  absl::StatusOr<v1::Principal> SetTokenExpiry(const v1::SetTokenExpiryRequest& r,
                                               const v1::Actor& a);
  absl::StatusOr<v1::Principal> RevokeToken(const v1::RevokeTokenRequest& r, const v1::Actor& a);
  absl::StatusOr<v1::Principal> RevokePrincipal(const v1::RevokePrincipalRequest& r,
                                                const v1::Actor& a);
  // NOT_FOUND when unknown.
  absl::StatusOr<v1::Principal> Get(std::string_view principal_id);
  // True when no principal exists yet (a new store).
  absl::StatusOr<bool> Empty();

 private:
  // Appends `events` to the principal's stream at the version read; returns the principal
  // after them. `fingerprint_of` is the request (its request_id is the idempotency key).
  absl::StatusOr<v1::Principal> Change(const google::protobuf::Message& request,
                                       const std::string& request_id,
                                       const std::string& principal_id, const std::string& reason,
                                       const v1::Actor& actor,
                                       const std::function<absl::StatusOr<std::vector<v1::PrincipalEvent>>(
                                           const v1::Principal&)>& decide);

  eventstore::EventStore* store_;
  std::function<absl::Time()> clock_;
};

// A fresh token: "pt_" + 43 base64url characters (256 random bits), and its id.
struct NewToken {
  std::string token;
  std::string token_id;
  std::string sha256;  // raw 32 bytes
};
NewToken GenerateToken();

}  // namespace proeftuin::app
