#include "worldmodel/learned/torch_state_ops.h"

namespace wm::worldmodel {

StateOps::StateOps(const v1::StateSpec& spec,
                   const v1::NormalizationStats& stats, double dt,
                   int frame_skip,
                   const std::vector<std::string>& parameter_names,
                   bool horizontal_invariance)
    : nu_(spec.nu()),
      integration_(spec, dt, frame_skip),
      normalization_(spec, stats, parameter_names),
      features_(spec, stats, horizontal_invariance, normalization_,
                integration_) {}

torch::Tensor ToTorch(const Tensor& tensor) {
  return torch::from_blob(const_cast<float*>(tensor.data.data()), tensor.shape,
                          torch::kFloat32)
      .clone();
}

Tensor FromTorch(const torch::Tensor& tensor) {
  torch::Tensor contiguous = tensor.detach().to(torch::kFloat32).contiguous();
  Tensor out;
  out.shape.assign(contiguous.sizes().begin(), contiguous.sizes().end());
  const float* data = contiguous.data_ptr<float>();
  out.data.assign(data, data + contiguous.numel());
  return out;
}

}  // namespace wm::worldmodel
