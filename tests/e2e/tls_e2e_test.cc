// End to end over TLS (issue 4): proeftuind with a server certificate and a client CA (mTLS).
// A client certificate whose subject is bound to a principal authenticates as that principal
// without a token (its role applies, and the trail names it as the actor of its commands); a
// verified but unbound certificate, no certificate, or a certificate with a bound subject from
// another CA do not; a plaintext client cannot connect; a token still works over TLS.
// Certificates are made with the openssl CLI (e2e/pki.h).
#include <gtest/gtest.h>

#include <string>

#include "domain/example_programme.h"
#include "e2e/e2e_support.h"
#include "e2e/pki.h"
#include "lib/command_client.h"
#include "proeftuin/v1/audit_service.grpc.pb.h"
#include "proeftuin/v1/event_service.grpc.pb.h"

namespace proeftuin::e2e {
namespace {

class TlsE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_.Ca("ca");
    pki_.Ca("clients");
    pki_.Ca("other-clients");
    pki_.Leaf("server", "ca", "/CN=proeftuind");
    pki_.Leaf("client-a", "clients", "/O=Gemeente Leeuwarden/OU=Sociaal Domein/CN=programmabureau");
    pki_.Leaf("client-b", "clients", "/O=Gemeente Leeuwarden/CN=onbekend-systeem");
    // Same subject as A, signed by a CA the server does not trust.
    pki_.Leaf("impostor-a", "other-clients", "/O=Gemeente Leeuwarden/OU=Sociaal Domein/CN=programmabureau");
    // No common name and no subjectAltName: the subject alone identifies it.
    pki_.Leaf("client-no-cn", "clients", "/O=Gemeente Leeuwarden/OU=Intake", "");
    server_ = std::make_unique<ServerProcess>(
        dir_.Sub("data"), std::vector<std::string>{"--tls-cert", pki_.Pem("server"), "--tls-key", pki_.Key("server"),
                                                   "--tls-client-ca", pki_.Pem("clients")});
    server_->Start();
    ASSERT_GT(server_->port(), 0);
  }

  void TearDown() override {
    if (server_ != nullptr && server_->running()) {
      EXPECT_EQ(server_->Stop(), 0) << server_->Log();
    }
  }

  std::shared_ptr<grpc::Channel> Tls(const std::string& client = "") { return pki_.Channel(server_->port(), "ca", client); }

  // Creates a principal through AdminService (administrator token over TLS), bound to the
  // certificate subject `subject` unless it is empty; returns its token.
  std::string CreatePrincipalOverTls(const std::string& id, v1::Role role, const std::string& subject) {
    v1::CreatePrincipalRequest r;
    r.set_request_id("create-" + id);
    r.set_principal_id(id);
    r.set_display_name("Principal " + id);
    r.set_role(role);
    r.set_clearance(v1::CONFIDENTIALITY_VERTROUWELIJK);
    r.set_certificate_subject(subject);
    v1::CreatePrincipalResponse created;
    grpc::Status s = v1::AdminService::NewStub(Tls())->CreatePrincipal(Ctx(server_->AdminToken()).get(), r, &created);
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(created.principal().certificate_subject(), subject);
    return created.token();
  }

  grpc::Status ListProgrammes(const std::shared_ptr<grpc::Channel>& channel, const std::string& token = "") {
    v1::ListProgrammesResponse r;
    return v1::ProgrammeService::NewStub(channel)->ListProgrammes(Ctx(token, 5000).get(), {}, &r);
  }

  grpc::Status Draft(const std::shared_ptr<grpc::Channel>& channel, const std::string& programme_id,
                     v1::CommandResult* result, const std::string& token = "") {
    v1::Command draft = domain::ExampleProgrammeSteps().at(0).command;
    draft.mutable_draft_programme()->set_programme_id(programme_id);
    v1::CommandOptions options;
    options.set_request_id("draft-" + programme_id);
    return clients::SendCommand(channel.get(), Ctx(token).get(), draft, options, result);
  }

  eventstore::testing::TempDir dir_;
  Pki pki_{dir_.Sub("pki")};
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(TlsE2eTest, MappedClientCertificateActsAsItsPrincipalWithoutAToken) {
  const std::string subject = pki_.Rfc2253Subject("client-a");
  ASSERT_EQ(subject, "CN=programmabureau,OU=Sociaal Domein,O=Gemeente Leeuwarden");
  CreatePrincipalOverTls("programmabureau", v1::ROLE_PROGRAMME_MANAGER, subject);
  auto a = Tls("client-a");

  // The role's rights apply: a programme manager drafts, reads, and is refused admin RPCs.
  v1::CommandResult drafted;
  grpc::Status s = Draft(a, "per-certificaat", &drafted);
  ASSERT_TRUE(s.ok()) << s.error_message() << "\n" << server_->Log();
  EXPECT_GT(drafted.last_position(), 0u);
  EXPECT_TRUE(ListProgrammes(a).ok());
  v1::ListPrincipalsResponse principals;
  s = v1::AdminService::NewStub(a)->ListPrincipals(Ctx("").get(), {}, &principals);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  EXPECT_NE(s.error_message().find("principal programmabureau has role programme_manager"), std::string::npos)
      << s.error_message();

  // The trail names the certificate's principal as the actor of the command it sent.
  v1::ListAuditEntriesRequest audit;
  audit.set_object("programme-per-certificaat");
  audit.set_min_position(drafted.last_position());
  v1::ListAuditEntriesResponse trail;
  s = v1::AuditService::NewStub(Tls())->ListAuditEntries(Ctx(server_->AdminToken()).get(), audit, &trail);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(trail.entries_size(), 1);
  EXPECT_EQ(trail.entries(0).event_type(), "proeftuin.v1.ProgrammeDrafted");
  EXPECT_EQ(trail.entries(0).actor().principal_id(), "programmabureau");
  EXPECT_EQ(trail.entries(0).actor().display_name(), "Principal programmabureau");
  EXPECT_EQ(trail.entries(0).actor().role(), "programme_manager");
  v1::ReadStreamRequest read;
  read.set_stream("programme-per-certificaat");
  v1::ReadStreamResponse events;
  s = v1::EventService::NewStub(Tls())->ReadStream(Ctx(server_->AdminToken()).get(), read, &events);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(events.events_size(), 1);
  EXPECT_EQ(events.events(0).header().actor().principal_id(), "programmabureau");
}

TEST_F(TlsE2eTest, UnmappedForeignOrMissingClientCertificateWithoutTokenIsUnauthenticated) {
  CreatePrincipalOverTls("programmabureau", v1::ROLE_PROGRAMME_MANAGER, pki_.Rfc2253Subject("client-a"));
  ASSERT_TRUE(ListProgrammes(Tls("client-a")).ok());

  grpc::Status s = ListProgrammes(Tls("client-b"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << s.error_message();
  EXPECT_EQ(Draft(Tls("client-b"), "onbekend", nullptr).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  s = ListProgrammes(Tls());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << s.error_message();
  EXPECT_EQ(Draft(Tls(), "zonder-certificaat", nullptr).error_code(), grpc::StatusCode::UNAUTHENTICATED);

  // A certificate with A's subject from a CA the server does not trust: no TLS connection.
  s = ListProgrammes(Tls("impostor-a"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();

  // Nothing was written by the refused calls.
  v1::ReadAllRequest all;
  all.set_stream_prefix("programme-");
  v1::ReadAllResponse programmes;
  ASSERT_TRUE(v1::EventService::NewStub(Tls())->ReadAll(Ctx(server_->AdminToken()).get(), all, &programmes).ok());
  EXPECT_EQ(programmes.events_size(), 0);
}

TEST_F(TlsE2eTest, RevokedCertificatePrincipalIsUnauthenticated) {
  CreatePrincipalOverTls("programmabureau", v1::ROLE_PROGRAMME_MANAGER, pki_.Rfc2253Subject("client-a"));
  ASSERT_TRUE(ListProgrammes(Tls("client-a")).ok());
  v1::RevokePrincipalRequest revoke;
  revoke.set_request_id("revoke-programmabureau");
  revoke.set_principal_id("programmabureau");
  v1::RevokePrincipalResponse revoked;
  ASSERT_TRUE(v1::AdminService::NewStub(Tls())->RevokePrincipal(Ctx(server_->AdminToken()).get(), revoke, &revoked).ok());
  grpc::Status s = ListProgrammes(Tls("client-a"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << s.error_message();
}

TEST_F(TlsE2eTest, SubjectIsBoundToOnePrincipalOnly) {
  const std::string subject = pki_.Rfc2253Subject("client-a");
  CreatePrincipalOverTls("programmabureau", v1::ROLE_PROGRAMME_MANAGER, subject);
  // A second principal claiming the same subject would take over the certificate.
  v1::CreatePrincipalRequest r;
  r.set_request_id("create-overname");
  r.set_principal_id("overname");
  r.set_display_name("Overname");
  r.set_role(v1::ROLE_ADMINISTRATOR);
  r.set_certificate_subject(subject);
  v1::CreatePrincipalResponse created;
  grpc::Status s = v1::AdminService::NewStub(Tls())->CreatePrincipal(Ctx(server_->AdminToken()).get(), r, &created);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS) << s.error_message();
  EXPECT_NE(s.error_message().find("programmabureau"), std::string::npos) << s.error_message();
  v1::ListPrincipalsResponse principals;
  s = v1::AdminService::NewStub(Tls("client-a"))->ListPrincipals(Ctx("").get(), {}, &principals);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
}

TEST_F(TlsE2eTest, CertificateWithoutCommonNameOrAltNameIsMappedBySubject) {
  const std::string subject = pki_.Rfc2253Subject("client-no-cn");
  ASSERT_EQ(subject, "OU=Intake,O=Gemeente Leeuwarden");
  CreatePrincipalOverTls("intake", v1::ROLE_PROPOSER, subject);
  grpc::Status s = ListProgrammes(Tls("client-no-cn"));
  EXPECT_TRUE(s.ok()) << s.error_message();
}

TEST_F(TlsE2eTest, PlaintextClientCannotConnect) {
  auto plain = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
  grpc::Status s = ListProgrammes(plain, server_->AdminToken());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  EXPECT_TRUE(ListProgrammes(Tls(), server_->AdminToken()).ok());
}

TEST_F(TlsE2eTest, TokenWorksOverTlsWithOrWithoutAClientCertificate) {
  std::string pm = CreatePrincipalOverTls("pm", v1::ROLE_PROGRAMME_MANAGER, "");
  ASSERT_FALSE(pm.empty());
  EXPECT_TRUE(ListProgrammes(Tls(), pm).ok());
  v1::CommandResult drafted;
  grpc::Status s = Draft(Tls("client-b"), "per-token", &drafted, pm);
  ASSERT_TRUE(s.ok()) << s.error_message();
  v1::ReadStreamRequest read;
  read.set_stream("programme-per-token");
  v1::ReadStreamResponse events;
  ASSERT_TRUE(v1::EventService::NewStub(Tls())->ReadStream(Ctx(server_->AdminToken()).get(), read, &events).ok());
  ASSERT_EQ(events.events_size(), 1);
  EXPECT_EQ(events.events(0).header().actor().principal_id(), "pm");
  // A bad token is not rescued by a mapped certificate.
  CreatePrincipalOverTls("programmabureau", v1::ROLE_PROGRAMME_MANAGER, pki_.Rfc2253Subject("client-a"));
  s = ListProgrammes(Tls("client-a"), "pt_not-a-token-at-all-xxxxxxxxxxxxxxxxxxxxxxxxxxxx");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << s.error_message();
}

}  // namespace
}  // namespace proeftuin::e2e
