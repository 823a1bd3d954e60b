#include "worldmodel/learned/fused_ensemble.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "util/logging.h"
#include "worldmodel/learned/fused_columns.h"
#include "worldmodel/learned/fused_math.h"
#include "worldmodel/learned/learned_ensemble.h"

namespace wm::worldmodel {
namespace {

// Gain before the asinh of the physics member's features
// (learned_networks.cc).
constexpr float kSmallChangeGain = 20.0f;

std::vector<float> Floats(const torch::Tensor& tensor) {
  torch::Tensor t = tensor.detach().to(torch::kFloat32).contiguous();
  return std::vector<float>(t.data_ptr<float>(),
                            t.data_ptr<float>() + t.numel());
}

// The physics member's combination (learned_networks.cc, Combine): the
// sizes and the velocity delta's normalisation.
struct CombineTerms {
  int nv, nu;
  int passive;  // 1 + P + masses: the drift's scale features phi
  int control;  // 1 + masses: the gains' scale features psi (phi's 1 and
                // inverse masses)
  const float *mean, *std, *varies;  // velocity delta statistics [nv]
  float dt, substep_factor;
};

// For `count` rows in columns (fused_columns.h): the raw outputs o (in
// columns `o_stride` apart), scale features phi [passive], scaled actions u
// [nu] and velocities [nv] in; the tangent delta [2 nv] of
// IntegrateVelocityChange out: dv = (sum_j phi_j F_j + sum_u (sum_c psi_c
// G_c,u) u) denormalised, positions moved by dt (v + factor dv + correction).
WM_VECTORIZED void CombineColumns(const CombineTerms& t, int count,
                                  const float* __restrict o, int64_t o_stride,
                                  const float* __restrict phi,
                                  const float* __restrict u,
                                  const float* __restrict velocity,
                                  float* __restrict delta) {
  constexpr int B = kBlockRows;
  const int nv = t.nv, nu = t.nu;
  const int64_t ld = o_stride;
  const float* gains = o + nv * (t.passive + 1) * ld;
  const float* position = gains + nv * nu * t.control * ld;
  // psi's entries are phi's 1 and its inverse masses (its last entries).
  const int mass_offset = t.passive - t.control;
  for (int v = 0; v < nv; ++v) {
    float value[B], gain[B];
    for (int i = 0; i < count; ++i) value[i] = phi[i] * o[v * ld + i];
    for (int j = 1; j < t.passive; ++j) {
      const float* f = o + (j * nv + v) * ld;
      for (int i = 0; i < count; ++i) value[i] += phi[j * B + i] * f[i];
    }
    for (int a = 0; a < nu; ++a) {
      for (int i = 0; i < count; ++i) gain[i] = gains[(v * nu + a) * ld + i];
      for (int c = 1; c < t.control; ++c) {
        const float* g = gains + (c * nv * nu + v * nu + a) * ld;
        const float* psi = phi + (mass_offset + c) * B;
        for (int i = 0; i < count; ++i) gain[i] += psi[i] * g[i];
      }
      for (int i = 0; i < count; ++i) value[i] += gain[i] * u[a * B + i];
    }
    const float scale = t.varies[v] * t.std[v];
    for (int i = 0; i < count; ++i) {
      const float dv = value[i] * scale + t.mean[v];
      const float correction = position[v * ld + i] * scale;
      delta[v * B + i] =
          t.dt * (velocity[v * B + i] + t.substep_factor * dv + correction);
      delta[(nv + v) * B + i] = dv;
    }
  }
}

}  // namespace

float* FusedScratch::Get(int slot, int64_t size) {
  CHECK(slot >= 0 && slot < 8);
  std::vector<float>& buffer = buffers_[slot];
  if (static_cast<int64_t>(buffer.size()) < size) buffer.resize(size);
  return buffer.data();
}

// One member's step network (Mlp: Linear layers, swish between them) with
// weights transposed to [in, out], and its log-variance bounds.
struct FusedEnsemble::Network {
  struct Layer {
    int in, out;
    std::vector<float> weight;  // [in, out], row-major
    std::vector<float> bias;    // [out]
  };
  std::vector<Layer> layers;
  std::vector<float> max_log_variance, min_log_variance;

  int outputs() const { return layers.back().out; }

  // x [rows, in] in column layout -> the last layer's outputs [rows, out]
  // in `last_layout` (fused_math.h) in `scratch` slot 1 or 2; returns them.
  const float* Forward(int64_t rows, const float* x, Layout last_layout,
                       FusedScratch* scratch) const {
    const float* input = x;
    Layout input_layout = Layout::kColumns;
    float* output = nullptr;
    for (size_t l = 0; l < layers.size(); ++l) {
      const Layer& layer = layers[l];
      const bool last = l + 1 == layers.size();
      const Layout layout = last ? last_layout : Layout::kRows;
      output = scratch->Get(1 + l % 2, rows * layer.out);
      MatMul(rows, layer.in, layer.out, input, layer.weight.data(), output,
             input_layout, layout);
      if (!last) {
        BiasSwish(rows, layer.out, layer.bias.data(), output);
      } else if (layout == Layout::kColumns) {
        BiasColumns(rows, layer.out, layer.bias.data(), output);
      } else {
        Bias(rows, layer.out, layer.bias.data(), output);
      }
      input = output;
      input_layout = layout;
    }
    return output;
  }
};

FusedEnsemble::FusedEnsemble(const LearnedEnsemble& ensemble)
    : kind_(ensemble.kind), ops_(*ensemble.ops) {
  const std::string prefix =
      kind_ == ModelKind::kPhysics ? "dynamics.layer" : "network.layer";
  const int layers = static_cast<int>(ensemble.hidden.size()) + 1;
  torch::NoGradGuard no_grad;
  for (const auto& member : ensemble.members) {
    auto parameters = member->named_parameters();
    auto network = std::make_unique<Network>();
    for (int l = 0; l < layers; ++l) {
      const std::string name = prefix + std::to_string(l);
      const torch::Tensor& weight = parameters[name + ".weight"];
      Network::Layer layer;
      layer.in = static_cast<int>(weight.size(1));
      layer.out = static_cast<int>(weight.size(0));
      layer.weight = Floats(weight.t());
      layer.bias = Floats(parameters[name + ".bias"]);
      network->layers.push_back(std::move(layer));
    }
    network->max_log_variance = Floats(parameters["max_log_variance"]);
    network->min_log_variance = Floats(parameters["min_log_variance"]);
    CHECK_EQ(network->layers.front().in, InputWidth());
    networks_.push_back(std::move(network));
    // The same in every member; the stacked network takes member 0's.
    if (kind_ == ModelKind::kHybrid && correction_std_.empty()) {
      correction_std_ = Floats(parameters["correction_std"]);
    }
  }
  noise_scale_ = NoiseScale();
  for (const auto& network : networks_) {
    CHECK_EQ(network->max_log_variance.size(), noise_scale_.size());
  }
}

FusedEnsemble::~FusedEnsemble() = default;

// What a member's exp(log-variance / 2) is multiplied by
// (MemberNetwork::AleatoricStd): physics the velocity delta std [nv],
// blackbox the delta std [2 nv] (both 0 where the data never varied),
// hybrid correction_std [2 nv].
std::vector<float> FusedEnsemble::NoiseScale() const {
  const int nv = ops_.nv();
  if (kind_ == ModelKind::kHybrid) return correction_std_;
  std::vector<float> scale(2 * nv);
  for (int i = 0; i < 2 * nv; ++i) {
    scale[i] = ops_.delta_std()[i] * ops_.delta_varies()[i];
  }
  if (kind_ == ModelKind::kPhysics)
    scale.erase(scale.begin(), scale.begin() + nv);
  return scale;
}

int FusedEnsemble::InputWidth() const {
  const int s = ops_.num_state_features(), nu = ops_.nu();
  switch (kind_) {
    case ModelKind::kPhysics:
      return 2 * s + ops_.num_geometry_features() + nu;
    case ModelKind::kHybrid:
      return s + nu + 2 * ops_.nv();
    default:
      return s + nu;
  }
}

double FusedEnsemble::FlopsPerRow() const {
  double flops = 0;
  for (const auto& network : networks_) {
    for (const auto& layer : network->layers) {
      flops += 2.0 * layer.in * layer.out;
    }
    if (kind_ == ModelKind::kPhysics) {
      const int nv = ops_.nv(), nu = ops_.nu(), masses = ops_.num_masses();
      flops += 2.0 * nv * (1 + ops_.num_parameters() + masses) +
               2.0 * nv * nu * (2 + masses);
    }
  }
  return flops;
}

// Physics: [State, asinh(20 State), Geometry, NormalizeActions]; blackbox:
// [State, NormalizeActions]; hybrid: [State, NormalizeActions, MuJoCo
// delta]: in column layout [width, rows], a block of rows at a time.
void FusedEnsemble::WriteInputs(int64_t rows, const FusedStepInputs& in,
                                float* x, FusedScratch* scratch) const {
  const int s = ops_.num_state_features(), nx = ops_.nx(), nu = ops_.nu();
  const int nv = ops_.nv();
  float* state = scratch->Get(3, nx * kBlockRows);
  for (int64_t first = 0; first < rows; first += kBlockRows) {
    const int count =
        static_cast<int>(std::min<int64_t>(kBlockRows, rows - first));
    RowsToColumns(in.states + first * nx, nx, count, nx, state);
    float* column = x + first;
    ops_.StateFeatureColumns(count, state, column, rows);
    column += s * rows;
    if (kind_ == ModelKind::kPhysics) {
      for (int f = 0; f < s; ++f) {
        ScaledAsinh(count, kSmallChangeGain, x + first + f * rows,
                    column + f * rows);
      }
      column += s * rows;
      ops_.GeometryColumns(count, state, column, rows);
      column += ops_.num_geometry_features() * rows;
    }
    ops_.NormalizeActionColumns(count, in.actions + first * nu, nu, column,
                                rows);
    column += nu * rows;
    for (int j = 0; kind_ == ModelKind::kHybrid && j < 2 * nv; ++j) {
      for (int i = 0; i < count; ++i) {
        column[j * rows + i] = in.extra[(first + i) * 2 * nv + j];
      }
    }
  }
}

void FusedEnsemble::Step(int k, int64_t rows, const FusedStepInputs& in,
                         const FusedStepOutputs& out,
                         FusedScratch* scratch) const {
  const FlushDenormals flush;
  const Network& network = *networks_[k];
  float* x = scratch->Get(0, rows * InputWidth());
  WriteInputs(rows, in, x, scratch);
  const bool physics = kind_ == ModelKind::kPhysics;
  // The physics outputs are read down columns (PhysicsOutputs).
  const float* raw = network.Forward(
      rows, x, physics ? Layout::kColumns : Layout::kRows, scratch);
  if (physics) {
    PhysicsOutputs(network, rows, in, raw, out);
  } else {
    ResidualOutputs(network, rows, in, raw, out);
  }
}

// dv = F phi(p) + (G psi(p)) u / std(u), integrated like MuJoCo
// (learned_networks.cc, PhysicsMember::Step and Combine), from the raw
// outputs in columns [width, rows] (Forward, transposed), a block of rows
// at a time in columns (fused_columns.h).
void FusedEnsemble::PhysicsOutputs(const Network& network, int64_t rows,
                                   const FusedStepInputs& in, const float* raw,
                                   const FusedStepOutputs& out) const {
  const int nv = ops_.nv(), nu = ops_.nu(), nx = ops_.nx();
  const int p = ops_.num_parameters(), masses = ops_.num_masses();
  const CombineTerms terms{nv,
                           nu,
                           1 + p + masses,
                           1 + masses,
                           ops_.velocity_delta_mean(),
                           ops_.velocity_delta_std(),
                           ops_.velocity_delta_varies(),
                           static_cast<float>(ops_.dt()),
                           static_cast<float>(ops_.substep_factor())};
  if (out.next_state != nullptr) {
    std::vector<float> state(nx * kBlockRows), phi(terms.passive * kBlockRows),
        u(nu * kBlockRows), delta(2 * nv * kBlockRows), next(nx * kBlockRows);
    std::vector<float> row_phi(terms.passive), row_u(nu);
    row_phi[0] = 1.0f;
    for (int64_t first = 0; first < rows; first += kBlockRows) {
      const int count =
          static_cast<int>(std::min<int64_t>(kBlockRows, rows - first));
      RowsToColumns(in.states + first * nx, nx, count, nx, state.data());
      for (int i = 0; i < count; ++i) {
        ops_.ParameterFeatures(in.extra + (first + i) * p, &row_phi[1],
                               &row_phi[1 + p]);
        ops_.ScaleActions(in.actions + (first + i) * nu, row_u.data());
        for (int j = 0; j < terms.passive; ++j) {
          phi[j * kBlockRows + i] = row_phi[j];
        }
        for (int j = 0; j < nu; ++j) u[j * kBlockRows + i] = row_u[j];
      }
      CombineColumns(terms, count, raw + first, rows, phi.data(), u.data(),
                     state.data() + ops_.nq() * kBlockRows, delta.data());
      TangentIntegrateColumns(ops_, count, state.data(), delta.data(),
                              next.data());
      ColumnsToRows(next.data(), count, nx, out.next_state + first * nx, nx);
    }
  }
  if (out.aleatoric_std != nullptr) {
    // Velocity noise, then the position noise it implies.
    const float position_scale = static_cast<float>(ops_.dt() * 0.5);
    float* noise = out.aleatoric_std;
    BoundedStd(rows, nv, raw + nv * terms.passive * rows, 1, rows,
               network.max_log_variance.data(), network.min_log_variance.data(),
               noise_scale_.data(), noise + nv, 2 * nv);
    for (int64_t r = 0; r < rows; ++r) {
      for (int i = 0; i < nv; ++i) {
        noise[r * 2 * nv + i] = position_scale * noise[r * 2 * nv + nv + i];
      }
    }
  }
}

// Blackbox: next = state (+) denormalised mean; hybrid: the correction
// mean * correction_std (learned_networks.cc).
void FusedEnsemble::ResidualOutputs(const Network& network, int64_t rows,
                                    const FusedStepInputs& in, const float* raw,
                                    const FusedStepOutputs& out) const {
  const int nv = ops_.nv(), nx = ops_.nx(), width = 2 * nv;
  const bool hybrid = kind_ == ModelKind::kHybrid;
  const std::vector<float>& varies = ops_.delta_varies();
  const std::vector<float>& scale = hybrid ? correction_std_ : ops_.delta_std();
  std::vector<float> delta(width);
  for (int64_t r = 0; r < rows; ++r) {
    const float* o = raw + r * network.outputs();
    if (hybrid && out.correction != nullptr) {
      for (int i = 0; i < width; ++i)
        out.correction[r * width + i] = o[i] * scale[i];
    }
    if (!hybrid && out.next_state != nullptr) {
      for (int i = 0; i < width; ++i) {
        delta[i] = o[i] * varies[i] * scale[i] + ops_.delta_mean()[i];
      }
      ops_.TangentIntegrate(in.states + r * nx, delta.data(),
                            out.next_state + r * nx);
    }
  }
  if (out.aleatoric_std != nullptr) {
    BoundedStd(rows, width, raw + width, network.outputs(), 1,
               network.max_log_variance.data(), network.min_log_variance.data(),
               noise_scale_.data(), out.aleatoric_std, width);
  }
}

}  // namespace wm::worldmodel
