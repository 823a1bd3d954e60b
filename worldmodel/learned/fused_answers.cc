#include "worldmodel/learned/fused_answers.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "util/parallel.h"
#include "worldmodel/learned/fused_columns.h"
#include "worldmodel/learned/fused_math.h"

namespace wm::worldmodel {
namespace {

// A rollout splits its rows over threads (RowSplitThreads) only in parts
// of at least this many rows. A planner already sends its samples in one
// chunk per core (ChunkedRollout: 128 rows each of its default 256), and
// those keep one thread each instead of two per core.
constexpr int64_t kMinRowsPerThread = 128;

constexpr int B = kBlockRows;

// Sign-aligns each member's quaternions (offsets `quaternions`) to member
// 0's, in place in `aligned` (K blocks of nx columns), and writes the
// members' mean [nx columns] with its quaternions renormalised: for
// `count` rows (learned_model.cc, EnsembleMean).
WM_VECTORIZED void MeanColumns(int count, int k, int nx,
                               const std::vector<int>& quaternions,
                               float* __restrict aligned,
                               float* __restrict mean) {
  for (int offset : quaternions) {
    const float* q0 = aligned + offset * B;
    for (int m = 1; m < k; ++m) {
      float* q = aligned + (m * nx + offset) * B;
      for (int i = 0; i < count; ++i) {
        const float dot = q[i] * q0[i] + q[B + i] * q0[B + i] +
                          q[2 * B + i] * q0[2 * B + i] +
                          q[3 * B + i] * q0[3 * B + i];
        const float sign = dot < 0 ? -1.0f : 1.0f;
        for (int c = 0; c < 4; ++c) q[c * B + i] *= sign;
      }
    }
  }
  for (int j = 0; j < nx; ++j) {
    for (int i = 0; i < count; ++i) {
      float sum = 0.0f;
      for (int m = 0; m < k; ++m) sum += aligned[(m * nx + j) * B + i];
      mean[j * B + i] = sum / static_cast<float>(k);
    }
  }
  for (int offset : quaternions) {
    float* q = mean + offset * B;
    for (int i = 0; i < count; ++i) {
      const float norm = std::max(
          std::sqrt(q[i] * q[i] + q[B + i] * q[B + i] +
                    q[2 * B + i] * q[2 * B + i] + q[3 * B + i] * q[3 * B + i]),
          1e-12f);
      for (int c = 0; c < 4; ++c) q[c * B + i] /= norm;
    }
  }
}

// sum += x^2 over `width` columns of `count` rows.
WM_VECTORIZED void AddSquares(int count, int width, const float* __restrict x,
                              float* __restrict sum) {
  for (int j = 0; j < width; ++j) {
    for (int i = 0; i < count; ++i)
      sum[j * B + i] += x[j * B + i] * x[j * B + i];
  }
}

// The spreads from the members' sums of squares (`width` columns of
// `count` rows; extrapolation null: none; factors: per row, null: none),
// in place: epistemic into `spread`, aleatoric into `noise`
// (EnsembleSpread, AddExtrapolation, RootMeanSquare, AddSurprise).
WM_VECTORIZED void FinishSpreads(int count, int width, int k,
                                 const float* __restrict extrapolation,
                                 const float* __restrict factors,
                                 float* __restrict spread,
                                 float* __restrict noise) {
  const float members = static_cast<float>(k);
  for (int j = 0; j < width; ++j) {
    for (int i = 0; i < count; ++i) {
      const int at = j * B + i;
      float value = std::sqrt(spread[at] / members);
      if (extrapolation != nullptr) {
        const float extra = std::sqrt(extrapolation[at] / members);
        value = std::sqrt(value * value + extra * extra);
      }
      const float aleatoric = std::sqrt(noise[at] / members);
      const float factor = factors == nullptr ? 1.0f : factors[i];
      if (factor != 1.0f) {
        value = std::sqrt(factor * value * value +
                          (factor - 1.0f) * aleatoric * aleatoric);
      }
      spread[at] = value;
      noise[at] = aleatoric;
    }
  }
}

// Where a block's answers go: row i's mean at mean + i * mean_stride, its
// spreads at epistemic and aleatoric + i * std_stride.
struct AnswerRows {
  float* mean;
  float* epistemic;
  float* aleatoric;
  int64_t mean_stride, std_stride;
};

// The ensemble's answer for a block of rows from its K members' states, in
// columns (fused_columns.h; see learned_model.cc: EnsembleMean,
// EnsembleSpread, AddExtrapolation, AddSurprise, RootMeanSquare).
class BlockAssembler {
 public:
  BlockAssembler(const FusedStateOps& ops,
                 const std::vector<int>& quaternion_offsets, int members)
      : ops_(ops),
        quaternions_(quaternion_offsets),
        members_(members),
        aligned_(members * ops.nx() * B),
        other_(ops.nx() * B),
        mean_(ops.nx() * B),
        delta_(2 * ops.nv() * B),
        spread_(2 * ops.nv() * B),
        extrapolation_(2 * ops.nv() * B),
        noise_(2 * ops.nv() * B),
        squares_(2 * ops.nv() * B) {}

  // `count` (<= kBlockRows) consecutive rows. `states`: K member blocks
  // `stride` floats apart, rows nx apart; `in_range`: the same members
  // stepped at in-range parameters (null: none); `noise`: K blocks of
  // aleatoric std rows [2 nv], `noise_stride` apart; `factors`: per row the
  // surprise factor (null: none).
  void Assemble(int count, const float* states, int64_t stride,
                const float* in_range, const float* noise, int64_t noise_stride,
                const float* factors, const AnswerRows& out) {
    const int nx = ops_.nx(), width = 2 * ops_.nv();
    for (int m = 0; m < members_; ++m) {
      RowsToColumns(states + m * stride, nx, count, nx, &aligned_[m * nx * B]);
    }
    MeanColumns(count, members_, nx, quaternions_, aligned_.data(),
                mean_.data());
    std::fill(spread_.begin(), spread_.end(), 0.0f);
    std::fill(extrapolation_.begin(), extrapolation_.end(), 0.0f);
    std::fill(noise_.begin(), noise_.end(), 0.0f);
    for (int m = 0; m < members_; ++m) {
      // A member's quaternions' signs do not change its tangent deltas.
      const float* member = &aligned_[m * nx * B];
      TangentDeltaColumns(ops_, count, mean_.data(), member, delta_.data());
      AddSquares(count, width, delta_.data(), spread_.data());
      if (in_range != nullptr) {
        RowsToColumns(in_range + m * stride, nx, count, nx, other_.data());
        TangentDeltaColumns(ops_, count, other_.data(), member, delta_.data());
        AddSquares(count, width, delta_.data(), extrapolation_.data());
      }
      RowsToColumns(noise + m * noise_stride, width, count, width,
                    squares_.data());
      AddSquares(count, width, squares_.data(), noise_.data());
    }
    FinishSpreads(count, width, members_,
                  in_range != nullptr ? extrapolation_.data() : nullptr,
                  factors, spread_.data(), noise_.data());
    ColumnsToRows(mean_.data(), count, nx, out.mean, out.mean_stride);
    ColumnsToRows(spread_.data(), count, width, out.epistemic, out.std_stride);
    ColumnsToRows(noise_.data(), count, width, out.aleatoric, out.std_stride);
  }

 private:
  const FusedStateOps& ops_;
  const std::vector<int>& quaternions_;
  int members_;
  std::vector<float> aligned_, other_, mean_, delta_, spread_, extrapolation_,
      noise_, squares_;
};

// Member k's block of a [K * rows, P] parameter table (null when empty).
const float* MemberBlock(const std::vector<float>& table, int k, int64_t rows,
                         int p) {
  return table.empty() ? nullptr : table.data() + k * rows * p;
}

// Every row's initial state [N, nx] from initial states [1 or N, nx].
std::vector<float> StartStates(const Tensor& initial, int64_t n, int nx) {
  std::vector<float> start(n * nx);
  for (int64_t r = 0; r < n; ++r) {
    const int64_t from = initial.shape[0] == 1 ? 0 : r;
    std::copy(initial.data.begin() + from * nx,
              initial.data.begin() + (from + 1) * nx, start.begin() + r * nx);
  }
  return start;
}

// A trajectory of `steps` steps for the rows' `start` states [N, nx] (K
// members' too when `per_member`), holding them at step 0 and zeros
// elsewhere.
Trajectory StartTrajectory(const std::vector<float>& start, int k, int64_t n,
                           int64_t steps, int width, bool per_member) {
  const int64_t nx = static_cast<int64_t>(start.size()) / n;
  Trajectory trajectory;
  trajectory.mean = Tensor::Filled({n, steps, nx});
  trajectory.epistemic_std = Tensor::Filled({n, steps, width});
  trajectory.aleatoric_std = Tensor::Filled({n, steps, width});
  if (per_member) trajectory.member_mean = Tensor::Filled({k, n, steps, nx});
  for (int64_t r = 0; r < n; ++r) {
    std::copy(start.begin() + r * nx, start.begin() + (r + 1) * nx,
              trajectory.mean.data.begin() + r * steps * nx);
    for (int m = 0; per_member && m < k; ++m) {
      std::copy(start.begin() + r * nx, start.begin() + (r + 1) * nx,
                trajectory.member_mean.data.begin() + (m * n + r) * steps * nx);
    }
  }
  return trajectory;
}

}  // namespace

Prediction FusedPredict(const FusedEnsemble& ensemble,
                        const std::vector<int>& quaternion_offsets,
                        const Tensor& states, const Tensor& actions,
                        const FusedCall& call) {
  const FusedStateOps& ops = ensemble.ops();
  const int k = ensemble.members(), nx = ops.nx(), width = 2 * ops.nv();
  const int p = ops.num_parameters();
  const int64_t batch = states.shape[0];
  const bool extrapolates = !call.in_range.empty();
  FusedScratch scratch;
  std::vector<float> next(k * batch * nx), noise(k * batch * width);
  std::vector<float> in_range_next(extrapolates ? k * batch * nx : 0);
  for (int m = 0; m < k; ++m) {
    FusedStepInputs in{states.data.data(), actions.data.data(),
                       MemberBlock(call.parameters, m, batch, p)};
    ensemble.Step(m, batch, in,
                  {next.data() + m * batch * nx, nullptr,
                   noise.data() + m * batch * width},
                  &scratch);
    if (extrapolates) {
      in.extra = MemberBlock(call.in_range, m, batch, p);
      ensemble.Step(m, batch, in,
                    {in_range_next.data() + m * batch * nx, nullptr, nullptr},
                    &scratch);
    }
  }
  Prediction prediction;
  prediction.mean = Tensor::Filled({batch, nx});
  prediction.epistemic_std = Tensor::Filled({batch, width});
  prediction.aleatoric_std = Tensor::Filled({batch, width});
  BlockAssembler assembler(ops, quaternion_offsets, k);
  for (int64_t r = 0; r < batch; r += kBlockRows) {
    assembler.Assemble(
        static_cast<int>(std::min<int64_t>(kBlockRows, batch - r)),
        next.data() + r * nx, batch * nx,
        extrapolates ? in_range_next.data() + r * nx : nullptr,
        noise.data() + r * width, batch * width,
        call.surprise.empty() ? nullptr : call.surprise.data() + r,
        {prediction.mean.data.data() + r * nx,
         prediction.epistemic_std.data.data() + r * width,
         prediction.aleatoric_std.data.data() + r * width, nx, width});
  }
  if (call.per_member) {
    prediction.member_mean.shape = {k, batch, nx};
    prediction.member_mean.data = std::move(next);
  }
  return prediction;
}

namespace {

// A rollout's inputs and answer, shared by the threads that each compute
// a range of its rows.
struct RolloutWork {
  const FusedEnsemble& ensemble;
  const std::vector<int>& quaternion_offsets;
  const std::vector<float>& start;  // [N, nx]
  const Tensor& actions;            // [N, H, nu]
  const FusedCall& call;
  Trajectory* trajectory;  // [N, H + 1, ...], step 0 written
};

// Rows [begin, end) of `work`: their steps and answers, with buffers of
// their own (allocated once, reused across the steps).
void RolloutRows(const RolloutWork& work, int64_t begin, int64_t end) {
  const FusedEnsemble& ensemble = work.ensemble;
  const FusedStateOps& ops = ensemble.ops();
  const FusedCall& call = work.call;
  const int k = ensemble.members(), nx = ops.nx(), nu = ops.nu();
  const int width = 2 * ops.nv(), p = ops.num_parameters();
  const int64_t all = work.actions.shape[0], horizon = work.actions.shape[1];
  const int64_t n = end - begin, steps = horizon + 1;
  const bool extrapolates = !call.in_range.empty();
  const float* start = work.start.data() + begin * nx;
  // Member states now and next, [K, n, nx] each (and at in-range
  // parameters), the step's actions [n, nu] and noise [K, n, 2 nv].
  std::vector<float> now(k * n * nx), next(k * n * nx);
  std::vector<float> in_range_now(extrapolates ? k * n * nx : 0),
      in_range_next(extrapolates ? k * n * nx : 0);
  std::vector<float> step_actions(n * nu), noise(k * n * width);
  FusedScratch scratch;
  BlockAssembler assembler(ops, work.quaternion_offsets, k);
  Trajectory& out = *work.trajectory;
  for (int64_t t = 0; t < horizon; ++t) {
    for (int64_t r = 0; r < n; ++r) {
      const float* from =
          work.actions.data.data() + ((begin + r) * horizon + t) * nu;
      std::copy(from, from + nu, step_actions.begin() + r * nu);
    }
    for (int m = 0; m < k; ++m) {
      const int64_t block = m * n * nx;
      const float* parameters = MemberBlock(call.parameters, m, all, p);
      FusedStepInputs in{t == 0 ? start : now.data() + block,
                         step_actions.data(),
                         parameters ? parameters + begin * p : nullptr};
      ensemble.Step(
          m, n, in,
          {next.data() + block, nullptr, noise.data() + m * n * width},
          &scratch);
      if (extrapolates) {
        in.states = t == 0 ? start : in_range_now.data() + block;
        in.extra = MemberBlock(call.in_range, m, all, p) + begin * p;
        ensemble.Step(m, n, in,
                      {in_range_next.data() + block, nullptr, nullptr},
                      &scratch);
      }
    }
    for (int64_t r = 0; r < n; r += kBlockRows) {
      const int64_t at = (begin + r) * steps + t + 1;
      assembler.Assemble(
          static_cast<int>(std::min<int64_t>(kBlockRows, n - r)),
          next.data() + r * nx, n * nx,
          extrapolates ? in_range_next.data() + r * nx : nullptr,
          noise.data() + r * width, n * width,
          call.surprise.empty() ? nullptr : call.surprise.data() + begin + r,
          {out.mean.data.data() + at * nx,
           out.epistemic_std.data.data() + at * width,
           out.aleatoric_std.data.data() + at * width, steps * nx,
           steps * width});
    }
    for (int64_t r = 0; call.per_member && r < n; ++r) {
      const int64_t row = begin + r;
      for (int m = 0; m < k; ++m) {
        std::copy(next.begin() + (m * n + r) * nx,
                  next.begin() + (m * n + r + 1) * nx,
                  out.member_mean.data.begin() +
                      ((m * all + row) * steps + t + 1) * nx);
      }
    }
    std::swap(now, next);
    std::swap(in_range_now, in_range_next);
  }
}

}  // namespace

Trajectory FusedRollout(const FusedEnsemble& ensemble,
                        const std::vector<int>& quaternion_offsets,
                        const Tensor& initial, const Tensor& actions,
                        const FusedCall& call) {
  const FusedStateOps& ops = ensemble.ops();
  const int k = ensemble.members(), nx = ops.nx(), width = 2 * ops.nv();
  const int64_t n = actions.shape[0], steps = actions.shape[1] + 1;
  const std::vector<float> start = StartStates(initial, n, nx);
  Trajectory trajectory =
      StartTrajectory(start, k, n, steps, width, call.per_member);
  const RolloutWork work{ensemble, quaternion_offsets, start, actions,
                         call,     &trajectory};
  const int threads = static_cast<int>(std::min<int64_t>(
      RowSplitThreads(), std::max<int64_t>(1, n / kMinRowsPerThread)));
  if (threads == 1) {
    RolloutRows(work, 0, n);
  } else {
    ForEachOnWorkers(threads, threads, [&](int part) {
      RolloutRows(work, n * part / threads, n * (part + 1) / threads);
    });
  }
  return trajectory;
}

}  // namespace wm::worldmodel
