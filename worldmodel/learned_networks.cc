#include "worldmodel/learned_networks.h"

#include "util/logging.h"

namespace wm::worldmodel {
namespace {

// Gain before the encoder's asinh on normalised state changes.
constexpr double kSmallChangeGain = 20.0;

// Linear layers with swish between them (none after the last).
class Mlp : public torch::nn::Module {
 public:
  Mlp(int input, const std::vector<int>& hidden, int output) {
    int width = input;
    for (size_t i = 0; i < hidden.size(); ++i) {
      layers_.push_back(register_module("layer" + std::to_string(i),
                                        torch::nn::Linear(width, hidden[i])));
      width = hidden[i];
    }
    layers_.push_back(register_module("layer" + std::to_string(hidden.size()),
                                      torch::nn::Linear(width, output)));
  }
  // x [N, input] -> [N, output]. Stacked (see StackFrom): x holds K blocks
  // of N / K rows, block k for member k.
  torch::Tensor forward(torch::Tensor x) {
    if (!stacked_weights_.empty()) return StackedForward(x);
    for (size_t i = 0; i < layers_.size(); ++i) {
      x = layers_[i]->forward(x);
      if (i + 1 < layers_.size()) x = x * torch::sigmoid(x);
    }
    return x;
  }

  // Makes this network compute the K `members` at once: their weights are
  // stacked into [K, in, out] tensors for batched matrix products, so an
  // ensemble costs one set of operations instead of K.
  void StackFrom(const std::vector<const Mlp*>& members) {
    stacked_weights_.clear();
    stacked_biases_.clear();
    for (size_t i = 0; i < layers_.size(); ++i) {
      std::vector<torch::Tensor> weights, biases;
      for (const Mlp* member : members) {
        weights.push_back(member->layers_[i]->weight.t());
        biases.push_back(member->layers_[i]->bias.unsqueeze(0));
      }
      stacked_weights_.push_back(torch::stack(weights).contiguous());
      stacked_biases_.push_back(torch::stack(biases).contiguous());
    }
  }

 private:
  torch::Tensor StackedForward(const torch::Tensor& input) {
    const int64_t members = stacked_weights_.front().size(0);
    torch::Tensor x = input.reshape({members, -1, input.size(1)});
    for (size_t i = 0; i < stacked_weights_.size(); ++i) {
      x = torch::baddbmm(stacked_biases_[i], x, stacked_weights_[i]);
      if (i + 1 < stacked_weights_.size()) x = x * torch::sigmoid(x);
    }
    return x.reshape({input.size(0), -1});
  }

  std::vector<torch::nn::Linear> layers_;
  // Stacked members' weights [K, in, out] and biases [K, 1, out], per layer.
  std::vector<torch::Tensor> stacked_weights_, stacked_biases_;
};

// The product member: a context encoder that infers the physical
// parameters from observed transitions, and a dynamics network conditioned
// on them that predicts the velocity change, integrated like MuJoCo.
class PhysicsMember : public MemberNetwork {
 public:
  PhysicsMember(const StateOps& ops, const std::vector<int>& hidden) {
    const int transition = ops.nx() + ops.nu() + 2 * ops.nv();
    constexpr int kEncoderWidth = 64;
    encoder_ = register_module(
        "encoder",
        std::make_shared<Mlp>(transition, std::vector<int>{kEncoderWidth},
                              kEncoderWidth));
    encoder_head_ = register_module(
        "encoder_head",
        std::make_shared<Mlp>(kEncoderWidth, std::vector<int>{},
                              2 * std::max(ops.num_parameters(), 1)));
    // Outputs: passive velocity change [nv], log-variance [nv], and the
    // state- and parameter-dependent action gain [nv x nu].
    dynamics_ = register_module(
        "dynamics",
        std::make_shared<Mlp>(ops.nx() + ops.nu() + ops.num_parameters(),
                              hidden, 2 * ops.nv() + ops.nv() * ops.nu()));
    RegisterBounds(ops.nv());
  }

  bool uses_parameters() const override { return true; }

  std::pair<torch::Tensor, torch::Tensor> Encode(
      const StateOps& ops, const torch::Tensor& states,
      const torch::Tensor& actions) override {
    const int64_t batch = states.size(0), length = actions.size(1);
    auto before = states.narrow(1, 0, length).reshape({batch * length, -1});
    auto after = states.narrow(1, 1, length).reshape({batch * length, -1});
    // Friction and mass show in small velocity changes beside large pushes:
    // asinh stretches the small z-scores and compresses the large ones.
    auto delta = torch::asinh(
        kSmallChangeGain * ops.NormalizeDelta(ops.TangentDelta(before, after)));
    auto features = torch::cat(
        {ops.StateFeatures(before),
         ops.NormalizeActions(actions.reshape({batch * length, -1})), delta},
        1);
    auto pooled =
        encoder_->forward(features).reshape({batch, length, -1}).mean(1);
    // (Stacked: batch holds K blocks of rows, so the pooled rows do too.)
    pooled = pooled * torch::sigmoid(pooled);
    auto out = encoder_head_->forward(pooled);
    const int p = ops.num_parameters();
    return {out.narrow(1, 0, p), out.narrow(1, p, p).clamp(-10.0, 4.0)};
  }

  MemberStep Step(const StateOps& ops, const torch::Tensor& states,
                  const torch::Tensor& actions,
                  const torch::Tensor& parameters) override {
    auto normalized_actions = ops.NormalizeActions(actions);
    auto input = torch::cat(
        {ops.StateFeatures(states), normalized_actions, parameters}, 1);
    auto out = dynamics_->forward(input);
    const int nv = ops.nv(), nu = ops.nu();
    // Control-affine, as mechanics is: dv = passive + gain * a, both from one
    // network of (x, a, p) so saturating actuators stay representable.
    auto gain = out.narrow(1, 2 * nv, nv * nu).reshape({-1, nv, nu});
    auto driven = torch::bmm(gain, normalized_actions.unsqueeze(2)).squeeze(2);
    MemberStep step;
    step.mean = out.narrow(1, 0, nv) + driven;
    step.log_variance = BoundLogVariance(out.narrow(1, ops.nv(), ops.nv()));
    auto dv = step.mean * ops.velocity_delta_std() + ops.velocity_delta_mean();
    step.next_state = ops.IntegrateVelocityChange(states, dv);
    return step;
  }

  torch::Tensor AleatoricStd(const StateOps& ops,
                             const MemberStep& step) const override {
    auto velocity =
        torch::exp(0.5 * step.log_variance) * ops.velocity_delta_std();
    const double position_scale = ops.dt() * 0.5;  // dt * (n+1)/(2n) <= dt
    return torch::cat({position_scale * velocity, velocity}, 1);
  }

  void StackFrom(const std::vector<const MemberNetwork*>& members) override {
    std::vector<const Mlp*> encoders, heads, dynamics;
    for (const MemberNetwork* member : members) {
      const auto* physics = static_cast<const PhysicsMember*>(member);
      encoders.push_back(physics->encoder_.get());
      heads.push_back(physics->encoder_head_.get());
      dynamics.push_back(physics->dynamics_.get());
    }
    encoder_->StackFrom(encoders);
    encoder_head_->StackFrom(heads);
    dynamics_->StackFrom(dynamics);
    StackBounds(members);
  }

 private:
  std::shared_ptr<Mlp> encoder_, encoder_head_, dynamics_;
};

// The PETS baseline member: a black-box Gaussian over the normalised
// tangent-space state change.
class BlackboxMember : public MemberNetwork {
 public:
  BlackboxMember(const StateOps& ops, const std::vector<int>& hidden) {
    network_ = register_module(
        "network",
        std::make_shared<Mlp>(ops.nx() + ops.nu(), hidden, 4 * ops.nv()));
    RegisterBounds(2 * ops.nv());
  }

  bool uses_parameters() const override { return false; }

  std::pair<torch::Tensor, torch::Tensor> Encode(
      const StateOps&, const torch::Tensor&, const torch::Tensor&) override {
    LOG(FATAL) << "blackbox members infer no parameters";
  }

  MemberStep Step(const StateOps& ops, const torch::Tensor& states,
                  const torch::Tensor& actions, const torch::Tensor&) override {
    auto out = network_->forward(torch::cat(
        {ops.StateFeatures(states), ops.NormalizeActions(actions)}, 1));
    const int width = 2 * ops.nv();
    MemberStep step;
    step.mean = out.narrow(1, 0, width);
    step.log_variance = BoundLogVariance(out.narrow(1, width, width));
    step.next_state =
        ops.TangentIntegrate(states, ops.DenormalizeDelta(step.mean));
    return step;
  }

  torch::Tensor AleatoricStd(const StateOps& ops,
                             const MemberStep& step) const override {
    return torch::exp(0.5 * step.log_variance) * ops.delta_std();
  }

  void StackFrom(const std::vector<const MemberNetwork*>& members) override {
    std::vector<const Mlp*> networks;
    for (const MemberNetwork* member : members) {
      networks.push_back(
          static_cast<const BlackboxMember*>(member)->network_.get());
    }
    network_->StackFrom(networks);
    StackBounds(members);
  }

 private:
  std::shared_ptr<Mlp> network_;
};

}  // namespace

void MemberNetwork::RegisterBounds(int size) {
  max_log_variance_ =
      register_parameter("max_log_variance", torch::full({size}, 0.5));
  min_log_variance_ =
      register_parameter("min_log_variance", torch::full({size}, -10.0));
}

torch::Tensor MemberNetwork::BoundLogVariance(const torch::Tensor& raw) const {
  if (stacked_max_log_variance_.defined()) {
    // K blocks of rows, block k bounded by member k's bounds [K, 1, size].
    const int64_t members = stacked_max_log_variance_.size(0);
    auto x = raw.reshape({members, -1, raw.size(1)});
    auto bounded =
        stacked_max_log_variance_ -
        torch::nn::functional::softplus(stacked_max_log_variance_ - x);
    return (stacked_min_log_variance_ +
            torch::nn::functional::softplus(bounded -
                                            stacked_min_log_variance_))
        .reshape_as(raw);
  }
  auto bounded = max_log_variance_ -
                 torch::nn::functional::softplus(max_log_variance_ - raw);
  return min_log_variance_ +
         torch::nn::functional::softplus(bounded - min_log_variance_);
}

void MemberNetwork::StackBounds(
    const std::vector<const MemberNetwork*>& members) {
  std::vector<torch::Tensor> maxima, minima;
  for (const MemberNetwork* member : members) {
    maxima.push_back(member->max_log_variance_.unsqueeze(0));
    minima.push_back(member->min_log_variance_.unsqueeze(0));
  }
  stacked_max_log_variance_ = torch::stack(maxima);
  stacked_min_log_variance_ = torch::stack(minima);
}

std::shared_ptr<MemberNetwork> StackMembers(
    const std::string& kind, const StateOps& ops,
    const std::vector<int>& hidden,
    const std::vector<std::shared_ptr<MemberNetwork>>& members) {
  CHECK(!members.empty());
  std::shared_ptr<MemberNetwork> stacked = MakeMember(kind, ops, hidden);
  std::vector<const MemberNetwork*> views;
  for (const auto& member : members) views.push_back(member.get());
  torch::NoGradGuard no_grad;
  stacked->StackFrom(views);
  stacked->eval();
  return stacked;
}

torch::Tensor MemberNetwork::BoundPenalty() const {
  return 0.01 * (max_log_variance_.sum() - min_log_variance_.sum());
}

std::shared_ptr<MemberNetwork> MakeMember(const std::string& kind,
                                          const StateOps& ops,
                                          const std::vector<int>& hidden) {
  if (kind == "physics") return std::make_shared<PhysicsMember>(ops, hidden);
  CHECK_EQ(kind, "blackbox") << "unknown learned model kind";
  return std::make_shared<BlackboxMember>(ops, hidden);
}

}  // namespace wm::worldmodel
