// Helpers for the operations tests (issue 7): a proeftuind started with extra flags (metrics,
// TLS), running commands and scripts as subprocesses, scraping /metrics, reading the JSON log.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "e2e/pki.h"
#include "e2e/server_process.h"
#include "proeftuin/v1/commands.pb.h"
#include "proeftuin/v1/programme_service.pb.h"

namespace proeftuin::ops_test {

// The source tree (ops/ scripts) and the CLI binary under test.
std::string SourceDir();
std::string CliPath();

// Running a command and capturing its output (e2e/pki.h).
using e2e::Output;
using e2e::RunCommand;

// GET http://127.0.0.1:<port><path>: the body, or "" when the status is not 200.
std::string HttpGet(int port, const std::string& path);

// The port in the server's "start" log line field `field` ("port", "metrics_port"); 0 if none.
int LoggedPort(const e2e::ServerProcess& server, const std::string& field);

// The server's process id, from its "start" log line (the last start); 0 if none.
int LoggedPid(const e2e::ServerProcess& server);

// Every line of the server's log, parsed; a line that is not a JSON object fails the test.
std::vector<nlohmann::json> LogLines(const e2e::ServerProcess& server);

// A knowledge session command for the example programme with one named attendee (personal data).
v1::Command KnowledgeSession(const std::string& session_id, const std::string& attendee_name);

// Runs the example's steps whose labels start with `prefix` as their roles (tokens by role name).
void RunExampleSteps(e2e::ServerProcess& server, const std::map<std::string, std::string>& tokens,
                     const std::string& prefix);

// Creates the principals the example needs (by role name, as domain::ExampleStep::role) plus
// "administrator"; returns their tokens.
std::map<std::string, std::string> ExamplePrincipals(e2e::ServerProcess& server);

}  // namespace proeftuin::ops_test
