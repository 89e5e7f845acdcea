// Sending any domain command to ProgrammeService without a switch over all 23 RPCs: the RPC
// is named after the command message ("DraftProgramme" -> ProgrammeService/DraftProgramme) and
// its request is {options = 1, command = 2}. Used by the CLI, the demo, the load benchmark and
// the end-to-end tests.
//
// Thread-safety: thread-safe.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "proeftuin/v1/commands.pb.h"
#include "proeftuin/v1/programme_service.pb.h"

namespace proeftuin::clients {

// The RPC name of a command, e.g. "DraftProgramme"; "" when no command is set.
std::string RpcNameOf(const v1::Command& command);

// The name of a status code as gRPC spells it, e.g. "FAILED_PRECONDITION".
std::string StatusCodeName(grpc::StatusCode code);

// Calls ProgrammeService/<RpcNameOf(command)> with `options`. The status is the server's;
// `result` is filled on success.
grpc::Status SendCommand(grpc::Channel* channel, grpc::ClientContext* ctx,
                         const v1::Command& command, const v1::CommandOptions& options,
                         v1::CommandResult* result);

}  // namespace proeftuin::clients
