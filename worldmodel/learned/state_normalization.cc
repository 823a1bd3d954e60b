#include "worldmodel/learned/state_normalization.h"

#include "datasets/normalizer.h"

namespace wm::worldmodel {
namespace {

torch::Tensor VectorTensor(const google::protobuf::RepeatedField<double>& v,
                           int size, double fill) {
  std::vector<float> values(size, static_cast<float>(fill));
  for (int i = 0; i < size && i < v.size(); ++i) values[i] = v[i];
  return torch::tensor(values, torch::kFloat32);
}

// Stds of entries that never varied in training (a joint the data never
// moves sits at the normaliser's 1e-6 floor) become 1: dividing by the floor
// would turn the model's tiny errors there into huge inputs and losses, and
// rollouts blow up through them.
torch::Tensor StdTensor(const google::protobuf::RepeatedField<double>& v,
                        int size) {
  std::vector<float> values(size, 1.0f);
  for (int i = 0; i < size && i < v.size(); ++i) {
    if (v[i] > datasets::kConstantStd) values[i] = v[i];
  }
  return torch::tensor(values, torch::kFloat32);
}

// The indices of the parameters named `<element>/mass`.
torch::Tensor MassIndices(const std::vector<std::string>& parameter_names,
                          int num_parameters) {
  std::vector<int64_t> masses;
  for (int i = 0;
       i < num_parameters && i < static_cast<int>(parameter_names.size());
       ++i) {
    const std::string& name = parameter_names[i];
    const size_t slash = name.rfind('/');
    if (name.substr(slash == std::string::npos ? 0 : slash + 1) == "mass") {
      masses.push_back(i);
    }
  }
  return torch::tensor(masses, torch::kLong);
}

}  // namespace

StateNormalization::StateNormalization(
    const v1::StateSpec& spec, const v1::NormalizationStats& stats,
    const std::vector<std::string>& parameter_names)
    : nq_(spec.nq()), nv_(spec.nv()), num_parameters_(stats.param_mean_size()) {
  const int nx = nq_ + nv_, nu = spec.nu();
  state_mean_ = VectorTensor(stats.state_mean(), nx, 0.0);
  state_std_ = StdTensor(stats.state_std(), nx);
  action_mean_ = VectorTensor(stats.action_mean(), nu, 0.0);
  action_std_ = StdTensor(stats.action_std(), nu);
  param_mean_ = VectorTensor(stats.param_mean(), num_parameters_, 0.0);
  param_std_ = StdTensor(stats.param_std(), num_parameters_);
  // Ratios are taken to the training mean, or to the std for parameters
  // centred near zero.
  param_unit_ = torch::where(param_mean_.abs() > 0.1 * param_std_,
                             param_mean_.abs(), param_std_)
                    .clamp_min(1e-12);
  mass_indices_ = MassIndices(parameter_names, num_parameters_);
  delta_mean_ = VectorTensor(stats.delta_mean(), 2 * nv_, 0.0);
  delta_std_ = StdTensor(stats.delta_std(), 2 * nv_);
  // 1 where StdTensor kept the std (entries the stats lack count as 1).
  delta_varies_ =
      (VectorTensor(stats.delta_std(), 2 * nv_, 1.0) > datasets::kConstantStd)
          .to(torch::kFloat32);
  delta_mean_v_ = delta_mean_.narrow(0, nv_, nv_).clone();
  delta_std_v_ = delta_std_.narrow(0, nv_, nv_).clone();
  delta_varies_v_ = delta_varies_.narrow(0, nv_, nv_).clone();
}

torch::Tensor StateNormalization::NormalizeActions(
    const torch::Tensor& actions) const {
  return (actions - action_mean_) / action_std_;
}
torch::Tensor StateNormalization::NormalizeParameters(
    const torch::Tensor& p) const {
  return (p - param_mean_) / param_std_;
}
torch::Tensor StateNormalization::DenormalizeParameters(
    const torch::Tensor& z) const {
  return z * param_std_ + param_mean_;
}
torch::Tensor StateNormalization::ParameterRatios(
    const torch::Tensor& z) const {
  return (DenormalizeParameters(z) / param_unit_).clamp_min(0.0);
}
torch::Tensor StateNormalization::InverseMassRatios(
    const torch::Tensor& z) const {
  // Bounded so that an estimate near zero mass cannot blow up the dynamics.
  constexpr double kMinMassRatio = 0.05;
  return 1.0 / ParameterRatios(z)
                   .index_select(-1, mass_indices_)
                   .clamp_min(kMinMassRatio);
}
torch::Tensor StateNormalization::ScaleActions(
    const torch::Tensor& actions) const {
  return actions / action_std_;
}
torch::Tensor StateNormalization::NormalizedVelocityChange(
    const torch::Tensor& states, const torch::Tensor& next) const {
  auto dv = next.narrow(1, nq_, nv_) - states.narrow(1, nq_, nv_);
  return (dv - delta_mean_v_) / delta_std_v_;
}
torch::Tensor StateNormalization::NormalizeDelta(
    const torch::Tensor& delta) const {
  return (delta - delta_mean_) / delta_std_;
}
torch::Tensor StateNormalization::DenormalizeDelta(
    const torch::Tensor& z) const {
  return z * delta_std_ + delta_mean_;
}

}  // namespace wm::worldmodel
