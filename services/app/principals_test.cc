// Client certificate subjects bound to principals (mTLS): one principal per subject, taken over
// only after a revocation, and subjects in a form gRPC never reports are refused.
#include "app/principals.h"

#include <gtest/gtest.h>

#include <map>

#include "integration/store_fixture.h"

namespace proeftuin::app {
namespace {

constexpr char kSubject[] = "CN=zaaksysteem,O=Gemeente";

class CertificatePrincipalsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    eventstore::RocksStoreOptions o;
    o.inline_projectors = {std::make_shared<PrincipalsProjector>(changes_)};
    store_ = eventstore::testing::OpenStore(dir_.Sub("store"), std::move(o));
    ASSERT_NE(store_, nullptr);
    principals_ = std::make_unique<PrincipalAdmin>(store_.get(), [] { return absl::Now(); });
    admin_.set_principal_id("admin");
    admin_.set_role("administrator");
  }

  absl::StatusOr<v1::CreatePrincipalResponse> Create(const std::string& id, v1::Role role,
                                                     const std::string& subject = kSubject) {
    v1::CreatePrincipalRequest r;
    r.set_request_id("create-" + id);
    r.set_principal_id(id);
    r.set_display_name("Principal " + id);
    r.set_role(role);
    r.set_certificate_subject(subject);
    return principals_->Create(r, admin_);
  }

  // The principal the subject authenticates as; "" when UNAUTHENTICATED.
  std::string Authenticated(const std::string& subject = kSubject) {
    auto view = store_->OpenReadView();
    EXPECT_TRUE(view.ok()) << view.status();
    if (!view.ok()) return "?";
    absl::StatusOr<app::Authenticated> who = AuthenticateCertificate(**view, subject);
    if (!who.ok()) {
      EXPECT_EQ(who.status().code(), absl::StatusCode::kUnauthenticated) << who.status();
      return "";
    }
    return who->principal->principal_id();
  }

  // A PrincipalCreated appended without PrincipalAdmin's check, as a Create racing another
  // one (both checked before either was written) would append it.
  void AppendCreated(const std::string& id, v1::Role role) {
    v1::PrincipalEvent e;
    e.mutable_created()->set_principal_id(id);
    e.mutable_created()->set_display_name("Racing " + id);
    e.mutable_created()->set_role(role);
    e.mutable_created()->set_certificate_subject(kSubject);
    eventstore::NewEvent n;
    n.type = PrincipalEventType(e);
    n.payload = e.SerializeAsString();
    auto appended = store_->Append(eventstore::testing::OneStream(
        "race-" + id, PrincipalStream(id), eventstore::ExpectedVersion::NoStream(), {n}));
    ASSERT_TRUE(appended.ok()) << appended.status();
  }

  eventstore::testing::TempDir dir_;
  // This store's newest principal event (the process-wide LastPrincipalChange() counts every
  // store a test binary opens).
  std::shared_ptr<PrincipalChanges> changes_ = std::make_shared<PrincipalChanges>(0);
  std::unique_ptr<eventstore::RocksStore> store_;
  std::unique_ptr<PrincipalAdmin> principals_;
  v1::Actor admin_;
};

TEST_F(CertificatePrincipalsTest, ASubjectBoundToAPrincipalCannotBeBoundToAnother) {
  ASSERT_TRUE(Create("zaaksysteem", v1::ROLE_INTEGRATION_READER).ok());
  EXPECT_EQ(Authenticated(), "zaaksysteem");
  absl::StatusOr<v1::CreatePrincipalResponse> second = Create("overname", v1::ROLE_ADMINISTRATOR);
  ASSERT_EQ(second.status().code(), absl::StatusCode::kAlreadyExists) << second.status();
  EXPECT_NE(second.status().message().find("bound to principal zaaksysteem"), absl::string_view::npos)
      << second.status();
  EXPECT_EQ(Authenticated(), "zaaksysteem");
  EXPECT_EQ(principals_->Get("overname").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(CertificatePrincipalsTest, ARacingCreationDoesNotTakeTheSubjectOver) {
  AppendCreated("eerste", v1::ROLE_INTEGRATION_READER);
  AppendCreated("tweede", v1::ROLE_ADMINISTRATOR);
  EXPECT_EQ(Authenticated(), "eerste");
  // The same after a rebuild from the log.
  ASSERT_TRUE(store_->Rebuild(kPrincipalsProjection, nullptr).ok());
  EXPECT_EQ(Authenticated(), "eerste");
}

TEST_F(CertificatePrincipalsTest, ASubjectOfARevokedPrincipalCanBeBoundAgain) {
  ASSERT_TRUE(Create("oud-systeem", v1::ROLE_INTEGRATION_READER).ok());
  v1::RevokePrincipalRequest revoke;
  revoke.set_request_id("revoke-oud");
  revoke.set_principal_id("oud-systeem");
  ASSERT_TRUE(principals_->RevokePrincipal(revoke, admin_).ok());
  EXPECT_EQ(Authenticated(), "");
  ASSERT_TRUE(Create("nieuw-systeem", v1::ROLE_INTEGRATION_READER).ok());
  EXPECT_EQ(Authenticated(), "nieuw-systeem");
  ASSERT_TRUE(store_->Rebuild(kPrincipalsProjection, nullptr).ok());
  EXPECT_EQ(Authenticated(), "nieuw-systeem");
}

TEST_F(CertificatePrincipalsTest, SubjectsGrpcNeverReportsAreRefused) {
  for (const char* subject : {"/O=Gemeente/CN=zaaksysteem", "CN = zaaksysteem, O = Gemeente",
                              "CN=zaaksysteem, O=Gemeente", "zaaksysteem"}) {
    absl::StatusOr<v1::CreatePrincipalResponse> r = Create("zaaksysteem", v1::ROLE_INTEGRATION_READER, subject);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << subject;
    EXPECT_NE(r.status().message().find("certificate_subject: "), absl::string_view::npos) << r.status();
  }
  // An escaped comma inside a value is RFC 2253.
  EXPECT_TRUE(Create("leverancier", v1::ROLE_INTEGRATION_READER, "CN=koppeling,O=Leverancier\\, B.V.").ok());
  EXPECT_EQ(Authenticated("CN=koppeling,O=Leverancier\\, B.V."), "leverancier");
}

// A role or clearance the enums do not define is refused, naming the field, and nothing is
// written: a principal with clearance 99 would see above zeer geheim, one with role 42 would
// be denied everything with no role named.
TEST_F(CertificatePrincipalsTest, RolesAndClearancesOutsideTheEnumsAreRefused) {
  v1::CreatePrincipalRequest r;
  r.set_request_id("create-odd");
  r.set_principal_id("odd");
  r.set_display_name("Odd");
  r.set_role(static_cast<v1::Role>(42));
  auto bad_role = principals_->Create(r, admin_);
  EXPECT_EQ(bad_role.status().code(), absl::StatusCode::kInvalidArgument) << bad_role.status();
  EXPECT_NE(bad_role.status().message().find("role: "), absl::string_view::npos) << bad_role.status();
  r.set_role(v1::ROLE_AUDITOR);
  for (int clearance : {-1, 9, 99}) {
    r.set_clearance(static_cast<v1::Confidentiality>(clearance));
    auto bad = principals_->Create(r, admin_);
    EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument) << clearance;
    EXPECT_NE(bad.status().message().find("clearance: "), absl::string_view::npos) << bad.status();
  }
  EXPECT_EQ(store_->Stats().last_position, 0u);
  r.set_clearance(v1::CONFIDENTIALITY_INTERN);
  ASSERT_TRUE(principals_->Create(r, admin_).ok());
  v1::ChangeRoleRequest role;
  role.set_request_id("role-odd");
  role.set_principal_id("odd");
  role.set_reason("test");
  role.set_role(static_cast<v1::Role>(42));
  EXPECT_EQ(principals_->ChangeRole(role, admin_).status().code(), absl::StatusCode::kInvalidArgument);
  v1::ChangeClearanceRequest clearance;
  clearance.set_request_id("clearance-odd");
  clearance.set_principal_id("odd");
  clearance.set_reason("test");
  clearance.set_clearance(static_cast<v1::Confidentiality>(99));
  auto changed = principals_->ChangeClearance(clearance, admin_);
  EXPECT_EQ(changed.status().code(), absl::StatusCode::kInvalidArgument) << changed.status();
  EXPECT_NE(changed.status().message().find("clearance: "), absl::string_view::npos);
}

}  // namespace
}  // namespace proeftuin::app

namespace proeftuin::app {
namespace {

// TokenCache answers as AuthenticateToken does for the same view, without reading the rows again
// while no principal event has been applied since it read them.
class TokenCacheTest : public CertificatePrincipalsTest {
 protected:
  // Creates a principal with a token; returns the token.
  std::string CreateWithToken(const std::string& id, v1::Role role) {
    absl::StatusOr<v1::CreatePrincipalResponse> r = Create(id, role, "");
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return "";
    token_ids_[id] = r->token_id();
    return r->token();
  }

  std::shared_ptr<eventstore::ReadView> View() {
    auto view = store_->OpenReadView();
    EXPECT_TRUE(view.ok()) << view.status();
    return view.ok() ? std::shared_ptr<eventstore::ReadView>(*std::move(view)) : nullptr;
  }

  // The principal and role the cache authenticates `token` as in a view opened now, or the
  // status code's name.
  std::string Who(const std::string& token, absl::Time now = absl::Now()) {
    auto view = View();
    if (view == nullptr) return "?";
    return Describe(cache_.Authenticate(*view, token, now));
  }

  static std::string Describe(const absl::StatusOr<app::Authenticated>& who) {
    if (!who.ok()) return absl::StatusCodeToString(who.status().code());
    return who->principal->principal_id() + "/" + RoleName(who->principal->role()) + "/" + who->token_id;
  }

  TokenCache cache_{changes_};
  std::map<std::string, std::string> token_ids_;
};

TEST_F(TokenCacheTest, AKnownTokenIsAnsweredWithoutReadingItsRowsAgain) {
  const std::string token = CreateWithToken("zaaksysteem", v1::ROLE_INTEGRATION_READER);
  const std::string expected = "zaaksysteem/integration_reader/" + token_ids_["zaaksysteem"];
  auto view = View();
  ASSERT_NE(view, nullptr);
  EXPECT_EQ(Describe(AuthenticateToken(*view, token, absl::Now())), expected);
  EXPECT_EQ(Who(token), expected);
  EXPECT_EQ(cache_.misses(), 1u);
  EXPECT_EQ(Who(token), expected);
  EXPECT_EQ(Who(token), expected);
  EXPECT_EQ(cache_.hits(), 2u);
  EXPECT_EQ(cache_.misses(), 1u);
}

TEST_F(TokenCacheTest, ARevokedTokenIsRefusedAtTheNextCall) {
  const std::string token = CreateWithToken("zaaksysteem", v1::ROLE_INTEGRATION_READER);
  ASSERT_EQ(Who(token), "zaaksysteem/integration_reader/" + token_ids_["zaaksysteem"]);
  v1::RevokeTokenRequest revoke;
  revoke.set_request_id("revoke-1");
  revoke.set_principal_id("zaaksysteem");
  revoke.set_token_id(token_ids_["zaaksysteem"]);
  revoke.set_reason("leaked");
  ASSERT_TRUE(principals_->RevokeToken(revoke, admin_).ok());
  EXPECT_EQ(Who(token), "UNAUTHENTICATED");
  EXPECT_EQ(Who(token), "UNAUTHENTICATED");
  EXPECT_EQ(cache_.hits(), 0u) << "after the revocation every call reads the rows";
}

TEST_F(TokenCacheTest, AChangedRoleIsSeenAtTheNextCall) {
  const std::string token = CreateWithToken("zaaksysteem", v1::ROLE_INTEGRATION_READER);
  ASSERT_EQ(Who(token), "zaaksysteem/integration_reader/" + token_ids_["zaaksysteem"]);
  v1::ChangeRoleRequest change;
  change.set_request_id("role-1");
  change.set_principal_id("zaaksysteem");
  change.set_role(v1::ROLE_AUDITOR);
  change.set_reason("now audits");
  ASSERT_TRUE(principals_->ChangeRole(change, admin_).ok());
  EXPECT_EQ(Who(token), "zaaksysteem/auditor/" + token_ids_["zaaksysteem"]);
  // Read once more after the change, then answered from the cache again.
  EXPECT_EQ(Who(token), "zaaksysteem/auditor/" + token_ids_["zaaksysteem"]);
  EXPECT_EQ(cache_.hits(), 1u);
}

TEST_F(TokenCacheTest, AViewOlderThanTheEntryReadsItsOwnRows) {
  auto before = View();  // before the principal exists
  ASSERT_NE(before, nullptr);
  const std::string token = CreateWithToken("zaaksysteem", v1::ROLE_INTEGRATION_READER);
  ASSERT_EQ(Who(token), "zaaksysteem/integration_reader/" + token_ids_["zaaksysteem"]);
  EXPECT_EQ(Describe(cache_.Authenticate(*before, token, absl::Now())), "UNAUTHENTICATED");
  EXPECT_EQ(cache_.hits(), 0u);
}

TEST_F(TokenCacheTest, ExpiryIsCheckedAtEveryCall) {
  const std::string token = CreateWithToken("zaaksysteem", v1::ROLE_INTEGRATION_READER);
  v1::SetTokenExpiryRequest expiry;
  expiry.set_request_id("expiry-1");
  expiry.set_principal_id("zaaksysteem");
  expiry.set_token_id(token_ids_["zaaksysteem"]);
  const absl::Time expires = absl::Now() + absl::Hours(1);
  expiry.set_expires_at_us(absl::ToUnixMicros(expires));
  expiry.set_reason("one hour");
  ASSERT_TRUE(principals_->SetTokenExpiry(expiry, admin_).ok());
  ASSERT_EQ(Who(token), "zaaksysteem/integration_reader/" + token_ids_["zaaksysteem"]);
  EXPECT_EQ(Who(token, expires + absl::Seconds(1)), "UNAUTHENTICATED");
  EXPECT_EQ(cache_.hits(), 1u) << "the entry answered, and its expiry refused";
}

TEST_F(TokenCacheTest, RefusedTokensAreNotKept) {
  CreateWithToken("zaaksysteem", v1::ROLE_INTEGRATION_READER);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Who("pt_not-a-token-of-anyone-at-all"), "UNAUTHENTICATED");
  EXPECT_EQ(Who("short"), "UNAUTHENTICATED");
  EXPECT_EQ(cache_.hits(), 0u);
  EXPECT_EQ(cache_.misses(), 3u) << "too short a token is refused before the cache";
}

// An administrator cannot take itself out of administration: neither revoke itself nor change
// its own role to another (either could leave nobody to administer). Each is FAILED_PRECONDITION
// with the rule id first, so that it reaches the client's rule trailer; another administrator
// may do both, and nothing is written by a refusal.
TEST_F(CertificatePrincipalsTest, AnAdministratorCannotRevokeItselfOrChangeItsOwnRole) {
  ASSERT_TRUE(Create("admin", v1::ROLE_ADMINISTRATOR, "CN=admin").ok());
  ASSERT_TRUE(Create("other-admin", v1::ROLE_ADMINISTRATOR, "CN=other-admin").ok());
  const uint64_t written = store_->Stats().last_position;
  v1::ChangeRoleRequest role;
  role.set_request_id("own-role");
  role.set_principal_id("admin");
  role.set_role(v1::ROLE_AUDITOR);
  role.set_reason("test");
  auto changed = principals_->ChangeRole(role, admin_);
  EXPECT_EQ(changed.status().code(), absl::StatusCode::kFailedPrecondition) << changed.status();
  EXPECT_EQ(changed.status().message().rfind("PT-ROLE-SELF: ", 0), 0u) << changed.status();
  v1::RevokePrincipalRequest revoke;
  revoke.set_request_id("own-revoke");
  revoke.set_principal_id("admin");
  revoke.set_reason("test");
  auto revoked = principals_->RevokePrincipal(revoke, admin_);
  EXPECT_EQ(revoked.status().code(), absl::StatusCode::kFailedPrecondition) << revoked.status();
  EXPECT_EQ(revoked.status().message().rfind("PT-REVOKE-SELF: ", 0), 0u) << revoked.status();
  EXPECT_EQ(store_->Stats().last_position, written);
  // Keeping its own role is no change; another administrator may change it.
  role.set_role(v1::ROLE_ADMINISTRATOR);
  EXPECT_TRUE(principals_->ChangeRole(role, admin_).ok());
  v1::Actor other;
  other.set_principal_id("other-admin");
  other.set_role("administrator");
  role.set_request_id("role-by-other");
  role.set_role(v1::ROLE_AUDITOR);
  auto by_other = principals_->ChangeRole(role, other);
  ASSERT_TRUE(by_other.ok()) << by_other.status();
  EXPECT_EQ(by_other->role(), v1::ROLE_AUDITOR);
}

}  // namespace
}  // namespace proeftuin::app
