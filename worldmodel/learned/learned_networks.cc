#include "worldmodel/learned/learned_networks.h"

#include "util/logging.h"
#include "worldmodel/learned/mlp.h"

namespace wm::worldmodel {
namespace {

// Gain before the asinh that stretches small z-scores: of state changes in
// the encoder, of states in the dynamics (a box resting on the floor and
// one hopping a millimetre above it differ by 0.1 std of its height).
constexpr double kSmallChangeGain = 20.0;

// The product member: a context encoder that infers the physical
// parameters from observed transitions, and a dynamics network that
// predicts the velocity change, integrated like MuJoCo.
//
// Parameters enter the dynamics only through physical scale features, never
// as raw network inputs (see Step): twice the friction then brakes twice as
// hard and twice the mass accelerates half as much by construction, and a
// parameter the network cannot see cannot be used in a non-physical way.
// Generic over scenes: every parameter relative to its training mean, and
// inverse masses (`<element>/mass`).
class PhysicsMember : public MemberNetwork {
 public:
  PhysicsMember(const StateOps& ops, const std::vector<int>& hidden) {
    const int nv = ops.nv(), nu = ops.nu(), p = ops.num_parameters();
    // Transition features: state and state change (z-scores and their
    // stretched asinh), the bodies' relative geometry, action.
    const int geometry = ops.features().num_geometry_features();
    const int transition = 2 * ops.features().num_state_features() + geometry +
                           ops.nu() + 4 * ops.nv();
    constexpr int kEncoderWidth = 64;
    // Per transition: each parameter's evidence (value, log-precision).
    encoder_ = register_module(
        "encoder",
        std::make_shared<Mlp>(transition,
                              std::vector<int>{kEncoderWidth, kEncoderWidth},
                              2 * std::max(p, 1)));
    // Outputs: passive velocity changes [nv] per passive feature, the
    // log-variance [nv], action gains [nv x nu] per control feature, the
    // within-step position correction [nv] (starting at zero: the plain
    // integrator).
    const int outputs =
        nv * (PassiveFeatures(ops) + 1) + nv * nu * ControlFeatures(ops) + nv;
    dynamics_ = register_module(
        "dynamics", std::make_shared<Mlp>(
                        2 * ops.features().num_state_features() + geometry + nu,
                        hidden, outputs));
    dynamics_->ZeroOutputs(outputs - nv, nv);
    RegisterBounds(nv);
  }

  bool uses_parameters() const override { return true; }

  // Each transition gives Gaussian evidence about each normalised parameter;
  // with the training distribution as prior N(0, 1), the estimate is the
  // precision-weighted mean. A transition that does not reveal a parameter
  // (friction while the box stands still) learns to give it no precision,
  // and with no evidence the estimate stays the prior.
  std::pair<torch::Tensor, torch::Tensor> Encode(
      const StateOps& ops, const torch::Tensor& states,
      const torch::Tensor& actions) override {
    const int64_t batch = states.size(0), length = actions.size(1);
    auto before = states.narrow(1, 0, length).reshape({batch * length, -1});
    auto after = states.narrow(1, 1, length).reshape({batch * length, -1});
    // Friction and mass show in small velocity changes beside large pushes:
    // asinh stretches the small z-scores and compresses the large ones; the
    // plain z-scores keep the linear relation.
    auto state = ops.features().State(before);
    auto delta = ops.normalization().NormalizeDelta(
        ops.integration().TangentDelta(before, after));
    auto features = torch::cat({state, torch::asinh(kSmallChangeGain * state),
                                ops.features().Geometry(before),
                                ops.normalization().NormalizeActions(
                                    actions.reshape({batch * length, -1})),
                                delta, torch::asinh(kSmallChangeGain * delta)},
                               1);
    const int p = ops.num_parameters();
    auto evidence = encoder_->forward(features).reshape({batch, length, -1});
    auto value = evidence.narrow(2, 0, p);
    auto precision = torch::exp(evidence.narrow(2, p, p).clamp(-12.0, 8.0));
    auto total = 1.0 + precision.sum(1);
    auto mean = (precision * value).sum(1) / total;
    return {mean, (-torch::log(total)).clamp(-10.0, 4.0)};
  }

  // dv = F(x, u) phi(p) + (G(x, u) psi(p)) u / std(u): passive features
  // phi = [1, p_j / mean p_j, mean m_k / m_k] (a friction brakes in
  // proportion, a contact force accelerates a body in inverse proportion to
  // its mass), control features psi = [1, mean m_k / m_k]. u is also a
  // network input, so saturating actuators stay representable.
  MemberStep Step(const StateOps& ops, const torch::Tensor& states,
                  const torch::Tensor& actions,
                  const torch::Tensor& parameters) override {
    const DynamicsTerms terms = Terms(ops, states, actions);
    MemberStep step;
    step.mean = Combine(ops, terms, actions, parameters);
    step.log_variance = terms.log_variance;
    step.position_correction = terms.position_correction;
    auto dv = step.mean * ops.normalization().velocity_delta_std() +
              ops.normalization().velocity_delta_mean();
    step.next_state = ops.integration().IntegrateVelocityChange(
        states, dv,
        step.position_correction * ops.normalization().velocity_delta_std());
    return step;
  }

  // The encoder's estimate as prior, then the parameters that best explain
  // the history under the dynamics network itself: maximum a posteriori by
  // Gauss-Newton. The network's prediction of each history transition's
  // velocity change depends on the parameters only through phi and psi
  // (Step), so the network runs once and each iteration is cheap; its
  // predicted noise weighs each transition. The posterior variance is the
  // inverse Gauss-Newton Hessian's diagonal.
  std::pair<torch::Tensor, torch::Tensor> Identify(
      const StateOps& ops, const torch::Tensor& states,
      const torch::Tensor& actions) override {
    auto [prior_mean, prior_log_variance] = Encode(ops, states, actions);
    const int64_t batch = states.size(0), length = actions.size(1);
    const int p = ops.num_parameters();
    if (p == 0 || length == 0) return {prior_mean, prior_log_variance};
    auto before = states.narrow(1, 0, length).reshape({batch * length, -1});
    auto after = states.narrow(1, 1, length).reshape({batch * length, -1});
    auto flat_actions = actions.reshape({batch * length, -1});
    const DynamicsTerms terms = Terms(ops, before, flat_actions);
    auto target = ops.normalization().NormalizedVelocityChange(before, after);
    auto noise_precision =
        kTransitionEvidence * torch::exp(-terms.log_variance);  // [BL, nv]
    auto prior_precision = torch::exp(-prior_log_variance);     // [B, P]
    auto z = prior_mean;
    torch::Tensor covariance;
    for (int iteration = 0; iteration <= kIdentifyIterations; ++iteration) {
      auto rows = z.repeat_interleave(length, 0);  // [BL, P]
      auto predicted = Combine(ops, terms, flat_actions, rows);
      std::vector<torch::Tensor> columns;
      for (int j = 0; j < p; ++j) {
        auto shifted = rows.clone();
        shifted.select(1, j).add_(kJacobianStep);
        columns.push_back(
            (Combine(ops, terms, flat_actions, shifted) - predicted) /
            kJacobianStep);
      }
      auto jacobian = torch::stack(columns, 2);  // [BL, nv, P]
      auto weighted = jacobian * noise_precision.unsqueeze(2);
      auto hessian = torch::bmm(jacobian.transpose(1, 2), weighted)
                         .view({batch, length, p, p})
                         .sum(1) +
                     torch::diag_embed(prior_precision);
      covariance = torch::inverse(hessian);  // [B, P, P]
      if (iteration == kIdentifyIterations) break;
      auto gradient = torch::bmm(weighted.transpose(1, 2),
                                 (target - predicted).unsqueeze(2))
                          .view({batch, length, p})
                          .sum(1) -
                      prior_precision * (z - prior_mean);
      z = (z + torch::bmm(covariance, gradient.unsqueeze(2)).squeeze(2))
              .clamp(-kMaxNormalizedParameter, kMaxNormalizedParameter);
    }
    auto variance = torch::diagonal(covariance, 0, 1, 2).clamp_min(1e-8);
    return {z, torch::log(variance).clamp(-10.0, 4.0)};
  }

  torch::Tensor AleatoricStd(const StateOps& ops,
                             const MemberStep& step) const override {
    auto velocity = torch::exp(0.5 * step.log_variance) *
                    ops.normalization().velocity_delta_std() *
                    ops.normalization().velocity_delta_varies();
    const double position_scale = ops.dt() * 0.5;  // dt * (n+1)/(2n) <= dt
    return torch::cat({position_scale * velocity, velocity}, 1);
  }

  void StackFrom(const std::vector<const MemberNetwork*>& members) override {
    std::vector<const Mlp*> encoders, dynamics;
    for (const MemberNetwork* member : members) {
      const auto* physics = static_cast<const PhysicsMember*>(member);
      encoders.push_back(physics->encoder_.get());
      dynamics.push_back(physics->dynamics_.get());
    }
    encoder_->StackFrom(encoders);
    dynamics_->StackFrom(dynamics);
    StackBounds(members);
  }

 private:
  // Gauss-Newton iterations of Identify, the finite-difference step of its
  // Jacobian (normalised parameter units, where phi and psi are smooth), and
  // the bound on its estimates (z-scores; the training ranges span about
  // +-1.7).
  static constexpr int kIdentifyIterations = 3;
  static constexpr double kJacobianStep = 1e-2;
  static constexpr double kMaxNormalizedParameter = 4.0;
  // Weight of one transition's evidence. Well below 1: the encoder's prior
  // already read the same history, and successive transitions' errors are
  // correlated. Chosen on held-out push data for 90% coverage of the
  // parameters (1 gave 46% for the box mass, 0.05 gave 84-92%).
  static constexpr double kTransitionEvidence = 0.05;

  // The dynamics network's outputs for states [B, nx] and actions [B, nu]:
  // passive terms F [B, passive, nv], control gains G [B, control, nv nu],
  // the bounded log-variance [B, nv] and the normalised position
  // correction [B, nv].
  struct DynamicsTerms {
    torch::Tensor passive, gains, log_variance, position_correction;
  };
  DynamicsTerms Terms(const StateOps& ops, const torch::Tensor& states,
                      const torch::Tensor& actions) {
    const int nv = ops.nv(), nu = ops.nu();
    const int passive = PassiveFeatures(ops), control = ControlFeatures(ops);
    const int64_t batch = states.size(0);
    auto features = ops.features().State(states);
    auto out = dynamics_->forward(
        torch::cat({features, torch::asinh(kSmallChangeGain * features),
                    ops.features().Geometry(states),
                    ops.normalization().NormalizeActions(actions)},
                   1));
    DynamicsTerms terms;
    terms.passive =
        out.narrow(1, 0, nv * passive).reshape({batch, passive, nv});
    terms.log_variance = BoundLogVariance(out.narrow(1, nv * passive, nv));
    terms.gains = out.narrow(1, nv * (passive + 1), nv * nu * control)
                      .reshape({batch, control, nv * nu});
    terms.position_correction =
        out.narrow(1, nv * (passive + 1) + nv * nu * control, nv) *
        ops.normalization().velocity_delta_varies();
    return terms;
  }

  // The normalised velocity change [B, nv] of `terms` under actions [B, nu]
  // and normalised parameters [B, P] (see Step).
  static torch::Tensor Combine(const StateOps& ops, const DynamicsTerms& terms,
                               const torch::Tensor& actions,
                               const torch::Tensor& parameters) {
    const int nv = ops.nv(), nu = ops.nu();
    const int64_t batch = actions.size(0);
    auto ones = torch::ones({batch, 1});
    auto inverse_masses = ops.normalization().InverseMassRatios(parameters);
    auto phi = torch::cat(
        {ones, ops.normalization().ParameterRatios(parameters), inverse_masses},
        1);
    auto psi = torch::cat({ones, inverse_masses}, 1);
    auto gain =
        torch::bmm(psi.unsqueeze(1), terms.gains).reshape({batch, nv, nu});
    auto dv =
        torch::bmm(phi.unsqueeze(1), terms.passive).squeeze(1) +
        torch::bmm(gain, ops.normalization().ScaleActions(actions).unsqueeze(2))
            .squeeze(2);
    return dv * ops.normalization().velocity_delta_varies();
  }

  static int PassiveFeatures(const StateOps& ops) {
    return 1 + ops.num_parameters() + ops.num_masses();
  }
  static int ControlFeatures(const StateOps& ops) {
    return 1 + ops.num_masses();
  }

  std::shared_ptr<Mlp> encoder_, dynamics_;
};

// The PETS baseline member: a black-box Gaussian over the normalised
// tangent-space state change.
class BlackboxMember : public MemberNetwork {
 public:
  BlackboxMember(const StateOps& ops, const std::vector<int>& hidden) {
    network_ = register_module(
        "network",
        std::make_shared<Mlp>(ops.features().num_state_features() + ops.nu(),
                              hidden, 4 * ops.nv()));
    RegisterBounds(2 * ops.nv());
  }

  bool uses_parameters() const override { return false; }

  std::pair<torch::Tensor, torch::Tensor> Encode(
      const StateOps&, const torch::Tensor&, const torch::Tensor&) override {
    LOG(FATAL) << "blackbox members infer no parameters";
  }

  MemberStep Step(const StateOps& ops, const torch::Tensor& states,
                  const torch::Tensor& actions, const torch::Tensor&) override {
    auto out = network_->forward(
        torch::cat({ops.features().State(states),
                    ops.normalization().NormalizeActions(actions)},
                   1));
    const int width = 2 * ops.nv();
    MemberStep step;
    step.mean = out.narrow(1, 0, width) * ops.normalization().delta_varies();
    step.log_variance = BoundLogVariance(out.narrow(1, width, width));
    step.next_state = ops.integration().TangentIntegrate(
        states, ops.normalization().DenormalizeDelta(step.mean));
    return step;
  }

  torch::Tensor AleatoricStd(const StateOps& ops,
                             const MemberStep& step) const override {
    return torch::exp(0.5 * step.log_variance) *
           ops.normalization().delta_std() * ops.normalization().delta_varies();
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

// The hybrid kind's residual member: a Gaussian over the normalised
// tangent-space correction c of a MuJoCo step, (true delta - MuJoCo delta) /
// correction_std, from the state, the action and the MuJoCo step's
// normalised tangent delta (passed in Step's `parameters` slot).
// correction_std [2 nv] (a non-trainable parameter, saved with the weights,
// the same in every member) is the per-entry std of the corrections in the
// training data; 0 where no correction is ever added (training sets the
// position entries and those MuJoCo is exact on to 0).
class HybridMember : public MemberNetwork {
 public:
  HybridMember(const StateOps& ops, const std::vector<int>& hidden) {
    network_ = register_module(
        "network", std::make_shared<Mlp>(ops.features().num_state_features() +
                                             ops.nu() + 2 * ops.nv(),
                                         hidden, 4 * ops.nv()));
    // The correction starts at zero: an untrained member is its MuJoCo base,
    // which early stopping can then keep (hybrid_trainer.cc).
    network_->ZeroOutputs(0, 2 * ops.nv());
    correction_std_ = register_parameter(
        "correction_std", ops.normalization().delta_std().clone(),
        /*requires_grad=*/false);
    RegisterBounds(2 * ops.nv());
  }

  bool uses_parameters() const override { return false; }

  std::pair<torch::Tensor, torch::Tensor> Encode(
      const StateOps&, const torch::Tensor&, const torch::Tensor&) override {
    LOG(FATAL) << "hybrid members infer no parameters";
  }

  // `mujoco_delta`: NormalizeDelta(TangentDelta(states, MuJoCo's next
  // states)) [B, 2 nv]. next_state = states (+) (MuJoCo delta + c std).
  MemberStep Step(const StateOps& ops, const torch::Tensor& states,
                  const torch::Tensor& actions,
                  const torch::Tensor& mujoco_delta) override {
    auto out = network_->forward(torch::cat(
        {ops.features().State(states),
         ops.normalization().NormalizeActions(actions), mujoco_delta},
        1));
    const int width = 2 * ops.nv();
    MemberStep step;
    step.mean = out.narrow(1, 0, width);
    step.log_variance = BoundLogVariance(out.narrow(1, width, width));
    step.next_state = ops.integration().TangentIntegrate(
        states, ops.normalization().DenormalizeDelta(mujoco_delta) +
                    step.mean * correction_std_);
    return step;
  }

  torch::Tensor AleatoricStd(const StateOps& ops,
                             const MemberStep& step) const override {
    return torch::exp(0.5 * step.log_variance) * correction_std_;
  }

  void StackFrom(const std::vector<const MemberNetwork*>& members) override {
    std::vector<const Mlp*> networks;
    for (const MemberNetwork* member : members) {
      networks.push_back(
          static_cast<const HybridMember*>(member)->network_.get());
    }
    network_->StackFrom(networks);
    StackBounds(members);
    correction_std_.copy_(
        static_cast<const HybridMember*>(members.front())->correction_std_);
  }

  const torch::Tensor& correction_std() const { return correction_std_; }
  void set_correction_std(const torch::Tensor& value) {
    torch::NoGradGuard no_grad;
    correction_std_.copy_(value);
  }

 private:
  std::shared_ptr<Mlp> network_;
  torch::Tensor correction_std_;
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
    ModelKind kind, const StateOps& ops, const std::vector<int>& hidden,
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

torch::Tensor HybridCorrectionStd(const MemberNetwork& member) {
  const auto* hybrid = dynamic_cast<const HybridMember*>(&member);
  CHECK(hybrid != nullptr) << "not a hybrid member";
  return hybrid->correction_std();
}

void SetHybridCorrectionStd(MemberNetwork& member,
                            const torch::Tensor& correction_std) {
  auto* hybrid = dynamic_cast<HybridMember*>(&member);
  CHECK(hybrid != nullptr) << "not a hybrid member";
  hybrid->set_correction_std(correction_std);
}

bool GradientsFinite(const MemberNetwork& member) {
  for (const auto& parameter : member.parameters()) {
    const torch::Tensor& gradient = parameter.grad();
    if (gradient.defined() && !torch::isfinite(gradient).all().item<bool>()) {
      return false;
    }
  }
  return true;
}

void CopyParameters(const MemberNetwork& from, MemberNetwork& to) {
  torch::NoGradGuard no_grad;
  auto source = from.parameters();
  auto target = to.parameters();
  for (size_t i = 0; i < source.size(); ++i) target[i].copy_(source[i]);
}

std::shared_ptr<MemberNetwork> MakeMember(ModelKind kind, const StateOps& ops,
                                          const std::vector<int>& hidden) {
  switch (kind) {
    case ModelKind::kPhysics:
      return std::make_shared<PhysicsMember>(ops, hidden);
    case ModelKind::kBlackbox:
      return std::make_shared<BlackboxMember>(ops, hidden);
    case ModelKind::kHybrid:
      return std::make_shared<HybridMember>(ops, hidden);
    case ModelKind::kMujoco:
    case ModelKind::kContact:
      break;
  }
  LOG(FATAL) << "MakeMember: '" << ModelKindName(kind)
             << "' is not a learned model kind";
}

}  // namespace wm::worldmodel
