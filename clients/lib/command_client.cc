#include "lib/command_client.h"

#include <grpcpp/impl/codegen/client_unary_call.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/impl/codegen/rpc_method.h>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace proeftuin::clients {

std::string RpcNameOf(const v1::Command& command) {
  const google::protobuf::OneofDescriptor* oneof = command.GetDescriptor()->FindOneofByName("command");
  const google::protobuf::FieldDescriptor* f = command.GetReflection()->GetOneofFieldDescriptor(command, oneof);
  return f == nullptr ? "" : f->message_type()->name();
}

std::string StatusCodeName(grpc::StatusCode code) {
  static const char* const kNames[] = {
      "OK",        "CANCELLED",          "UNKNOWN",           "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
      "NOT_FOUND", "ALREADY_EXISTS",     "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
      "FAILED_PRECONDITION", "ABORTED",  "OUT_OF_RANGE",      "UNIMPLEMENTED",    "INTERNAL",
      "UNAVAILABLE", "DATA_LOSS",        "UNAUTHENTICATED"};
  int i = static_cast<int>(code);
  return i >= 0 && i <= 16 ? kNames[i] : "UNKNOWN";
}

grpc::Status SendCommand(grpc::Channel* channel, grpc::ClientContext* ctx, const v1::Command& command,
                         const v1::CommandOptions& options, v1::CommandResult* result) {
  std::string name = RpcNameOf(command);
  if (name.empty()) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "command: none set");
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  const auto* req_desc = pool->FindMessageTypeByName("proeftuin.v1." + name + "Request");
  const auto* resp_desc = pool->FindMessageTypeByName("proeftuin.v1." + name + "Response");
  if (req_desc == nullptr || resp_desc == nullptr) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "no RPC for command " + name);
  }
  auto* factory = google::protobuf::MessageFactory::generated_factory();
  std::unique_ptr<google::protobuf::Message> req(factory->GetPrototype(req_desc)->New());
  std::unique_ptr<google::protobuf::Message> resp(factory->GetPrototype(resp_desc)->New());
  const auto* refl = req->GetReflection();
  refl->MutableMessage(req.get(), req_desc->FindFieldByName("options"))->CopyFrom(options);
  const google::protobuf::OneofDescriptor* oneof = command.GetDescriptor()->FindOneofByName("command");
  const google::protobuf::Message& action =
      command.GetReflection()->GetMessage(command, command.GetReflection()->GetOneofFieldDescriptor(command, oneof));
  refl->MutableMessage(req.get(), req_desc->FindFieldByName("command"))->CopyFrom(action);

  std::string method = "/proeftuin.v1.ProgrammeService/" + name;
  grpc::internal::RpcMethod rpc(method.c_str(), grpc::internal::RpcMethod::NORMAL_RPC);
  grpc::Status s = grpc::internal::BlockingUnaryCall<google::protobuf::Message, google::protobuf::Message>(
      channel, rpc, ctx, *req, resp.get());
  if (s.ok() && result != nullptr) {
    result->CopyFrom(resp->GetReflection()->GetMessage(*resp, resp_desc->FindFieldByName("result")));
  }
  return s;
}

}  // namespace proeftuin::clients
