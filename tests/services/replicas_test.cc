// RemoteWorldModel over two replicas of one models directory: calls are
// spread over both (round_robin), and none fails while one replica drains
// and stops under load (its refused calls are retried on the other).

#include <httplib.h>

#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/client/remote_world_model.h"
#include "tests/services/test_server.h"

namespace wm::services {
namespace {

using ::wm::testing::IsOk;

// The metrics page's count of successful Predict calls.
int PredictCalls(const WorldModelServer& server) {
  httplib::Client client("127.0.0.1", server.metrics_port());
  auto page = client.Get("/metrics");
  if (!page) return -1;
  const std::string series = "wm_calls_total{method=\"Predict\",code=\"OK\"} ";
  const size_t at = page->body.find(series);
  return at == std::string::npos
             ? 0
             : std::stoi(page->body.substr(at + series.size()));
}

TEST(ReplicasTest, BalancesAndLosesNoCallWhenAReplicaStops) {
  ::wm::testing::TempDir temp;
  testing::PublishSlideVersion(temp.path(), "slide", 1);
  worldmodel::ModelFactory factory;
  worldmodel::RegisterMujocoModel(&factory);
  v1::ServerConfig config;
  config.set_host("127.0.0.1");
  config.set_metrics_port(-1);
  std::vector<std::unique_ptr<WorldModelServer>> replicas;
  for (int r = 0; r < 2; ++r) {
    auto server = WorldModelServer::Start(config, temp.path(), &factory);
    ASSERT_THAT(server, IsOk());
    replicas.push_back(std::move(server).value());
  }
  const std::string target = absl::StrCat("127.0.0.1:", replicas[0]->port(),
                                          ",127.0.0.1:", replicas[1]->port());
  v1::ModelSpec spec;
  spec.set_name("slide");
  auto remote = RemoteWorldModel::Connect(target, spec, {});
  ASSERT_THAT(remote, IsOk());

  Tensor states = Tensor::Filled({2, 8});
  states.data[4] = 0.5f;
  Tensor actions = Tensor::Filled({2, 2});
  actions.data[0] = 10.0f;
  std::atomic<bool> stop{false};
  std::atomic<int> calls{0}, failures{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&] {
      while (!stop) {
        ++calls;
        auto answer = (*remote)->Predict(states, actions, {});
        if (!answer.ok()) {
          ++failures;
          ADD_FAILURE() << answer.status();
        }
      }
    });
  }
  absl::SleepFor(absl::Milliseconds(500));
  const int before_a = PredictCalls(*replicas[0]);
  const int before_b = PredictCalls(*replicas[1]);
  // What SIGTERM does: stop accepting, drain the calls in flight, stop.
  replicas[0]->Shutdown(absl::Seconds(2));
  const int stopped_at = calls;
  absl::SleepFor(absl::Milliseconds(500));
  stop = true;
  for (auto& client : clients) client.join();

  EXPECT_EQ(failures, 0) << "of " << calls << " calls";
  EXPECT_GT(before_a, 0);
  EXPECT_GT(before_b, 0);
  EXPECT_GT(calls, stopped_at) << "no call after the replica stopped";
}

}  // namespace
}  // namespace wm::services
