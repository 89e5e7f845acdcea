#include "ops/ops_support.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <regex>
#include <sstream>

#include "domain/example_programme.h"
#include "e2e/e2e_support.h"
#include "lib/command_client.h"

namespace proeftuin::ops_test {

std::string SourceDir() { return PROEFTUIN_SOURCE_DIR; }
std::string CliPath() { return PROEFTUIN_CLI_BINARY; }

std::string HttpGet(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return "";
  }
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  (void)!write(fd, request.data(), request.size());
  std::string response;
  char buf[8192];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) response.append(buf, static_cast<size_t>(n));
  close(fd);
  size_t body = response.find("\r\n\r\n");
  if (response.rfind("HTTP/1.1 200", 0) != 0 || body == std::string::npos) return "";
  return response.substr(body + 4);
}

int LoggedPort(const e2e::ServerProcess& server, const std::string& field) {
  std::smatch m;
  std::string log = server.Log();
  std::regex re("\"event\":\"start\".*\"" + field + "\":([0-9]+)");
  int port = 0;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), re); it != std::sregex_iterator(); ++it) {
    port = std::stoi((*it)[1]);  // the last start
  }
  return port;
}

int LoggedPid(const e2e::ServerProcess& server) { return LoggedPort(server, "pid"); }

std::vector<nlohmann::json> LogLines(const e2e::ServerProcess& server) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(server.Log());
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    EXPECT_TRUE(j.is_object()) << "not a JSON object: " << line;
    if (j.is_object()) lines.push_back(std::move(j));
  }
  return lines;
}

v1::Command KnowledgeSession(const std::string& session_id, const std::string& attendee_name) {
  v1::Command c;
  for (const auto& step : domain::ExampleProgrammeSteps()) {
    if (step.command.has_record_knowledge_session()) c = step.command;
  }
  v1::RecordKnowledgeSession* k = c.mutable_record_knowledge_session();
  k->set_session_id(session_id);
  if (!attendee_name.empty()) {
    v1::PersonContact* p = k->add_named_attendees();
    p->set_name(attendee_name);
    if (k->attendee_count() < k->named_attendees_size()) k->set_attendee_count(k->named_attendees_size());
  }
  return c;
}

void RunExampleSteps(e2e::ServerProcess& server, const std::map<std::string, std::string>& tokens,
                     const std::string& prefix) {
  auto channel = server.Channel();
  for (const auto& step : domain::ExampleProgrammeSteps()) {
    if (step.label.rfind(prefix, 0) != 0) continue;
    v1::CommandOptions o;
    o.set_request_id("step-" + step.label);
    auto token = tokens.find(step.role);
    ASSERT_NE(token, tokens.end()) << step.role;
    grpc::Status s = clients::SendCommand(channel.get(), e2e::Ctx(token->second).get(), step.command, o, nullptr);
    ASSERT_TRUE(s.ok()) << step.label << ": " << s.error_message();
  }
}

std::map<std::string, std::string> ExamplePrincipals(e2e::ServerProcess& server) {
  std::map<std::string, std::string> tokens{{"administrator", server.AdminToken()}};
  const std::pair<const char*, v1::Role> roles[] = {{"programme_manager", v1::ROLE_PROGRAMME_MANAGER},
                                                    {"proposer", v1::ROLE_PROPOSER},
                                                    {"college", v1::ROLE_COLLEGE},
                                                    {"griffie", v1::ROLE_COUNCIL_CLERK},
                                                    {"evaluator", v1::ROLE_EVALUATOR},
                                                    {"auditor", v1::ROLE_AUDITOR},
                                                    {"integration_reader", v1::ROLE_INTEGRATION_READER}};
  for (const auto& [name, role] : roles) {
    std::string id = name;
    std::replace(id.begin(), id.end(), '_', '-');
    tokens[name] = e2e::CreatePrincipal(server, id, role);
  }
  return tokens;
}

}  // namespace proeftuin::ops_test
