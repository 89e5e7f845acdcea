#include "app/principals.h"

#include <atomic>

#include "app/principals_internal.h"

#include <openssl/rand.h>

#include <cstdlib>

#include "eventstore/sha256.h"
#include "eventstore/status_macros.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace proeftuin::app {

using internal::HexBytes;
using internal::LoadPrincipal;
namespace {



std::string Base64Url(const unsigned char* data, size_t n) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; ++i) {
    acc = acc << 8 | data[i];
    bits += 8;
    while (bits >= 6) {
      out.push_back(kAlphabet[(acc >> (bits - 6)) & 63]);
      bits -= 6;
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 63]);
  return out;
}


absl::Status Denied() { return absl::UnauthenticatedError("unknown, expired or revoked credentials"); }

absl::StatusOr<Authenticated> Usable(std::shared_ptr<const v1::Principal> p, std::string_view token_id,
                                     absl::Time now) {
  if (p == nullptr || p->revoked()) return Denied();
  if (!token_id.empty()) {
    for (const auto& t : p->tokens()) {
      if (t.token_id() != token_id) continue;
      if (t.revoked()) return Denied();
      if (t.expires_at_us() != 0 && absl::FromUnixMicros(t.expires_at_us()) <= now) return Denied();
      return Authenticated{std::move(p), std::string(token_id)};
    }
    return Denied();
  }
  return Authenticated{std::move(p), ""};
}

std::shared_ptr<const v1::Principal> Shared(std::optional<v1::Principal> p) {
  if (!p.has_value()) return nullptr;
  return std::make_shared<const v1::Principal>(*std::move(p));
}

}  // namespace

std::string PrincipalStream(std::string_view id) { return kPrincipalStreamPrefix + std::string(id); }

std::string RoleName(v1::Role role) { return std::string(RoleNameView(role)); }

std::string_view RoleNameView(v1::Role role) {
  static const auto* names = [] {
    auto* m = new absl::flat_hash_map<int, std::string>();
    const google::protobuf::EnumDescriptor* d = v1::Role_descriptor();
    for (int i = 0; i < d->value_count(); ++i) {
      std::string n = d->value(i)->name();
      if (n.rfind("ROLE_", 0) == 0) n = n.substr(5);
      for (char& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      m->emplace(d->value(i)->number(), std::move(n));
    }
    return m;
  }();
  auto it = names->find(static_cast<int>(role));
  return it != names->end() ? std::string_view(it->second) : std::string_view();
}

std::string PrincipalEventType(const v1::PrincipalEvent& e) {
  const google::protobuf::OneofDescriptor* o = e.GetDescriptor()->FindOneofByName("event");
  const google::protobuf::FieldDescriptor* f = e.GetReflection()->GetOneofFieldDescriptor(e, o);
  return f == nullptr ? "" : f->message_type()->full_name();
}

NewToken GenerateToken() {
  unsigned char secret[32], id[4];
  if (RAND_bytes(secret, sizeof secret) != 1 || RAND_bytes(id, sizeof id) != 1) std::abort();
  NewToken t;
  t.token = "pt_" + Base64Url(secret, sizeof secret);
  t.token_id = "tok-" + HexBytes(std::string_view(reinterpret_cast<const char*>(id), sizeof id));
  eventstore::Digest d = eventstore::Sha256Of(t.token);
  t.sha256 = std::string(eventstore::AsStringView(d));
  return t;
}

void EvolvePrincipal(v1::Principal& p, const v1::PrincipalEvent& e, int64_t recorded_at_us) {
  auto token = [&p](const std::string& id) -> v1::TokenInfo* {
    for (auto& t : *p.mutable_tokens()) {
      if (t.token_id() == id) return &t;
    }
    return nullptr;
  };
  switch (e.event_case()) {
    case v1::PrincipalEvent::kCreated:
      p.set_principal_id(e.created().principal_id());
      p.set_display_name(e.created().display_name());
      p.set_role(e.created().role());
      p.set_clearance(e.created().clearance());
      p.set_certificate_subject(e.created().certificate_subject());
      break;
    case v1::PrincipalEvent::kTokenIssued: {
      v1::TokenInfo* t = p.add_tokens();
      t->set_token_id(e.token_issued().token_id());
      t->set_expires_at_us(e.token_issued().expires_at_us());
      t->set_issued_at_us(recorded_at_us);
      break;
    }
    case v1::PrincipalEvent::kRoleChanged:
      p.set_role(e.role_changed().role());
      break;
    case v1::PrincipalEvent::kClearanceChanged:
      p.set_clearance(e.clearance_changed().clearance());
      break;
    case v1::PrincipalEvent::kTokenExpiryChanged:
      if (auto* t = token(e.token_expiry_changed().token_id())) {
        t->set_expires_at_us(e.token_expiry_changed().expires_at_us());
      }
      break;
    case v1::PrincipalEvent::kTokenRevoked:
      if (auto* t = token(e.token_revoked().token_id())) t->set_revoked(true);
      break;
    case v1::PrincipalEvent::kRevoked:
      p.set_revoked(true);
      break;
    case v1::PrincipalEvent::EVENT_NOT_SET:
      break;
  }
}

namespace {
std::atomic<uint64_t> last_principal_change{0};
}  // namespace

uint64_t LastPrincipalChange() { return last_principal_change.load(std::memory_order_acquire); }

void PrincipalsProjector::Apply(const eventstore::RecordedEvent& e, eventstore::ProjectionWriter& rows) {
  const std::string& stream = e.header.stream();
  if (stream.rfind(kPrincipalStreamPrefix, 0) != 0) return;
  // A rebuild applies old positions: the newest stays.
  for (std::atomic<uint64_t>* last : {&last_principal_change, changes_.get()}) {
    if (last == nullptr) continue;
    uint64_t seen = last->load(std::memory_order_relaxed);
    while (seen < e.position() && !last->compare_exchange_weak(seen, e.position(), std::memory_order_release)) {
    }
  }
  v1::PrincipalEvent event;
  if (!event.ParseFromString(e.payload)) return;
  std::string id = stream.substr(sizeof(kPrincipalStreamPrefix) - 1);
  v1::Principal p;
  if (auto row = rows.Get("p/" + id)) p.ParseFromString(*row);
  EvolvePrincipal(p, event, e.header.recorded_at_us());
  rows.Put("p/" + id, p.SerializeAsString());
  if (event.has_token_issued()) {
    rows.Put("t/" + HexBytes(event.token_issued().token_sha256()),
             id + " " + event.token_issued().token_id());
  }
  if (event.has_created() && !event.created().certificate_subject().empty()) {
    // First come, first served: a subject stays with its principal until that one is revoked.
    // PrincipalAdmin::Create refuses a bound subject; this keeps a Create racing it (or any
    // later PrincipalCreated) from taking the certificate over.
    const std::string key = "c/" + event.created().certificate_subject();
    std::optional<std::string> holder = rows.Get(key);
    v1::Principal held;
    bool bound = holder.has_value() && *holder != id;
    if (bound) {
      std::optional<std::string> row = rows.Get("p/" + *holder);
      bound = row.has_value() && held.ParseFromString(*row) && !held.revoked();
    }
    if (!bound) rows.Put(key, id);
  }
}

namespace {

// The principal and token id a token's SHA-256 names in `view`: nullopt (with no principal) when
// the token is unknown.
struct TokenHolder {
  std::optional<v1::Principal> principal;
  std::string token_id;
};

absl::StatusOr<std::optional<TokenHolder>> ReadTokenHolder(eventstore::ReadView& view,
                                                           const eventstore::Digest& digest) {
  ASSIGN_OR_RETURN(auto row, view.Get(kPrincipalsProjection, "t/" + HexBytes(eventstore::AsStringView(digest))));
  if (!row.has_value()) return std::nullopt;
  size_t space = row->find(' ');
  if (space == std::string::npos) return std::nullopt;
  TokenHolder h;
  ASSIGN_OR_RETURN(h.principal, LoadPrincipal(view, row->substr(0, space)));
  h.token_id = row->substr(space + 1);
  return h;
}

bool PlausibleToken(std::string_view token) { return token.size() >= 10 && token.size() <= 200; }

}  // namespace

absl::StatusOr<Authenticated> AuthenticateToken(eventstore::ReadView& view, std::string_view token,
                                                absl::Time now) {
  if (!PlausibleToken(token)) return Denied();
  ASSIGN_OR_RETURN(std::optional<TokenHolder> holder, ReadTokenHolder(view, eventstore::Sha256Of(token)));
  if (!holder.has_value()) return Denied();
  return Usable(Shared(std::move(holder->principal)), holder->token_id, now);
}

absl::StatusOr<Authenticated> TokenCache::Authenticate(eventstore::ReadView& view, std::string_view token,
                                                       absl::Time now) {
  if (!PlausibleToken(token)) return Denied();
  const eventstore::Digest digest = eventstore::Sha256Of(token);
  const std::string key(eventstore::AsStringView(digest));
  // Read after the caller opened `view`: every principal event at or before view.position() was
  // applied before the view could see it, so it is counted here.
  const uint64_t changed = changes_ != nullptr ? changes_->load(std::memory_order_acquire) : LastPrincipalChange();
  std::shared_ptr<const Entry> entry;
  {
    absl::ReaderMutexLock lock(&mu_);
    if (auto it = entries_.find(key); it != entries_.end()) entry = it->second;
  }
  if (entry != nullptr && changed <= entry->position && entry->position <= view.position()) {
    hits_.fetch_add(1, std::memory_order_relaxed);
    return Usable(entry->principal, entry->token_id, now);
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  ASSIGN_OR_RETURN(std::optional<TokenHolder> holder, ReadTokenHolder(view, digest));
  if (!holder.has_value()) return Denied();
  std::shared_ptr<const v1::Principal> principal = Shared(std::move(holder->principal));
  absl::StatusOr<Authenticated> who = Usable(principal, holder->token_id, now);
  // Kept only when it authenticated and no principal event newer than the view was applied
  // meanwhile (such an entry could never answer).
  if (who.ok() && changed <= view.position()) {
    auto fresh = std::make_shared<const Entry>(Entry{view.position(), std::move(principal), holder->token_id});
    absl::MutexLock lock(&mu_);
    if (entries_.size() >= kMaxEntries) entries_.clear();
    entries_[key] = std::move(fresh);
  }
  return who;
}

uint64_t TokenCache::hits() const { return hits_.load(); }
uint64_t TokenCache::misses() const { return misses_.load(); }

absl::StatusOr<Authenticated> AuthenticateCertificate(eventstore::ReadView& view,
                                                      std::string_view subject) {
  ASSIGN_OR_RETURN(auto row, view.Get(kPrincipalsProjection, "c/" + std::string(subject)));
  if (!row.has_value()) return absl::UnauthenticatedError("no principal for this client certificate");
  ASSIGN_OR_RETURN(auto p, LoadPrincipal(view, *row));
  return Usable(Shared(std::move(p)), "", absl::Now());
}

absl::StatusOr<std::optional<std::string>> CertificateHolder(eventstore::ReadView& view, std::string_view subject) {
  ASSIGN_OR_RETURN(auto row, view.Get(kPrincipalsProjection, "c/" + std::string(subject)));
  if (!row.has_value()) return std::optional<std::string>();
  ASSIGN_OR_RETURN(auto p, LoadPrincipal(view, *row));
  if (!p.has_value() || p->revoked()) return std::optional<std::string>();
  return row;
}

absl::Status ValidateCertificateSubject(std::string_view subject) {
  if (subject.empty()) return absl::OkStatus();
  auto bad = [](std::string_view why) {
    return absl::InvalidArgumentError(
        "certificate_subject: " + std::string(why) +
        "; give it in RFC 2253 form as gRPC reports it (openssl x509 -noout -subject -nameopt RFC2253), "
        "e.g. CN=zaaksysteem,O=Gemeente");
  };
  if (subject.size() > 500) return bad("at most 500 characters");
  if (subject.front() == '/') return bad("the OpenSSL one-line form /O=.../CN=... never matches");
  const size_t eq = subject.find('=');
  if (eq == std::string_view::npos || eq == 0) return bad("no attribute (CN=..., O=...)");
  if (subject[eq - 1] == ' ') return bad("a space before '=' never matches");
  for (size_t i = 1; i + 1 < subject.size(); ++i) {
    if (subject[i] == ',' && subject[i - 1] != '\\' && subject[i + 1] == ' ') {
      return bad("a space after the ',' between attributes never matches");
    }
  }
  return absl::OkStatus();
}

}  // namespace proeftuin::app

namespace proeftuin::app::internal {

bool IsSlug(std::string_view s) {
  if (s.empty() || s.size() > 64 || s.front() == '-' || s.back() == '-') return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

std::string Fingerprint(const google::protobuf::Message& m) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream sos(&out);
    google::protobuf::io::CodedOutputStream cos(&sos);
    cos.SetSerializationDeterministic(true);
    m.SerializeToCodedStream(&cos);
  }
  eventstore::Digest d = eventstore::Sha256Of(out);
  return std::string(eventstore::AsStringView(d));
}

std::string HexBytes(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

absl::StatusOr<std::optional<v1::Principal>> LoadPrincipal(eventstore::ReadView& view,
                                                           std::string_view id) {
  ASSIGN_OR_RETURN(auto v, view.Get(kPrincipalsProjection, "p/" + std::string(id)));
  if (!v.has_value()) return std::optional<v1::Principal>();
  v1::Principal p;
  if (!p.ParseFromString(*v)) return absl::DataLossError("principal " + std::string(id) + " is corrupt");
  return std::optional<v1::Principal>(std::move(p));
}

eventstore::NewEvent ToNew(const v1::PrincipalEvent& e) {
  eventstore::NewEvent n;
  n.type = PrincipalEventType(e);
  n.payload = e.SerializeAsString();
  n.confidentiality = v1::CONFIDENTIALITY_INTERN;
  return n;
}

}  // namespace proeftuin::app::internal
