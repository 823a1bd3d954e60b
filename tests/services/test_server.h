#ifndef WM_TESTS_SERVICES_TEST_SERVER_H_
#define WM_TESTS_SERVICES_TEST_SERVER_H_

// A real WorldModelServer on an ephemeral loopback port, serving "mujoco"
// model versions of the built-in slide scene that tests publish as `wm
// train` does (a temporary directory renamed into place).

#include <grpcpp/grpcpp.h>

#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/world_model_server.h"
#include "sim/scene_library.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "util/file_util.h"
#include "util/text_proto.h"
#include "wm/v1/service.grpc.pb.h"
#include "worldmodel/model_factory.h"
#include "worldmodel/model_registry_hooks.h"

namespace wm::services::testing {

// Publishes MODELS/NAME/VERSION: a mujoco model of the slide scene that
// simulates with `parameter_values` (the scene's nominal ones when empty),
// or, with `broken`, a version whose MJCF does not compile; `kind` names
// the loader (a test may register its own).
inline void PublishSlideVersion(const std::string& models,
                                const std::string& name, int64_t version,
                                std::vector<double> parameter_values = {},
                                bool broken = false,
                                const std::string& kind = "mujoco") {
  namespace fs = std::filesystem;
  const std::string dir = absl::StrCat(models, "/", name, "/", version);
  const std::string staging = dir + ".tmp";
  fs::create_directories(staging);
  v1::CheckpointManifest manifest;
  manifest.set_name(name);
  manifest.set_version(version);
  manifest.set_kind(kind);
  auto scene = sim::LoadSceneConfig("slide");
  ASSERT_TRUE(scene.ok()) << scene.status();
  *manifest.mutable_scene() = *scene;
  if (broken) manifest.mutable_scene()->set_mjcf("<mujoco><worldbody><bad");
  manifest.mutable_parameter_values()->Assign(parameter_values.begin(),
                                              parameter_values.end());
  ASSERT_THAT(WriteTextProtoFile(staging + "/manifest.pbtxt", manifest),
              ::wm::testing::IsOk());
  fs::rename(staging, dir);
}

// A server over a temporary models directory, plus a stub connected to it.
class ServerFixture : public ::testing::Test {
 protected:
  ServerFixture() { worldmodel::RegisterMujocoModel(&factory_); }

  // Starts the server with `config` (host and port forced to an ephemeral
  // loopback port).
  void StartServer(v1::ServerConfig config = {}) {
    config.set_host("127.0.0.1");
    config.set_port(0);
    auto server = WorldModelServer::Start(config, models_dir(), &factory_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(server).value();
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = v1::WorldModelService::NewStub(channel_);
  }

  std::string models_dir() const { return temp_.path(); }
  std::string target() const {
    return absl::StrCat("127.0.0.1:", server_->port());
  }

  ::wm::testing::TempDir temp_;
  worldmodel::ModelFactory factory_;
  std::unique_ptr<WorldModelServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::WorldModelService::Stub> stub_;
};

}  // namespace wm::services::testing

#endif  // WM_TESTS_SERVICES_TEST_SERVER_H_
