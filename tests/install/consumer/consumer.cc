// wm_consumer TARGET MODEL: connects to a running `wm serve` through the
// installed wm::client library, prints the model it pinned, asks for one
// Predict step from the zero state (identity quaternions) under zero
// actions, and prints the answer's shape. Exit 0 when every answer is
// finite and shaped [1, nx], 1 on any error (printed to stderr).

#include <cmath>
#include <cstdint>
#include <iostream>

#include "services/client/remote_world_model.h"

namespace {

int Run(const std::string& target, const std::string& name) {
  wm::v1::ModelSpec model;
  model.set_name(name);
  auto remote = wm::services::RemoteWorldModel::Connect(target, model, {});
  if (!remote.ok()) {
    std::cerr << "connect: " << remote.status() << "\n";
    return 1;
  }
  const wm::v1::StateSpec& spec = (*remote)->spec();
  const int64_t nx = spec.nq() + spec.nv();
  std::cout << "model " << (*remote)->model().name() << " v"
            << (*remote)->model().version() << " (" << (*remote)->served_kind()
            << "), nx " << nx << ", nu " << spec.nu() << "\n";

  wm::Tensor states = wm::Tensor::Filled({1, nx});
  for (const auto& joint : spec.joints()) {
    if (joint.quaternion_offset() >= 0) {
      states.at(joint.quaternion_offset()) = 1.0f;
    }
  }
  const wm::Tensor actions = wm::Tensor::Filled({1, spec.nu()});
  auto step = (*remote)->Predict(states, actions, {});
  if (!step.ok()) {
    std::cerr << "predict: " << step.status() << "\n";
    return 1;
  }
  if (step->mean.ShapeString() != "[1, " + std::to_string(nx) + "]" ||
      !step->mean.CheckFinite("mean").ok()) {
    std::cerr << "predict: mean " << step->mean.ShapeString()
              << " is not a finite [1, " << nx << "]\n";
    return 1;
  }
  std::cout << "predict mean " << step->mean.ShapeString() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: wm_consumer HOST:PORT MODEL\n";
    return 2;
  }
  return Run(argv[1], argv[2]);
}
