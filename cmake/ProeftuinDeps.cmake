# Every dependency comes from a Debian 12 package (ops/install-deps.sh installs them).
find_package(Threads REQUIRED)
find_package(Protobuf REQUIRED)   # CMake's own FindProtobuf; Debian ships no protobuf config
find_package(gRPC CONFIG REQUIRED)
find_package(RocksDB CONFIG REQUIRED)
find_package(absl CONFIG REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(GTest CONFIG REQUIRED)
find_package(benchmark CONFIG REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(nlohmann_json CONFIG REQUIRED)
