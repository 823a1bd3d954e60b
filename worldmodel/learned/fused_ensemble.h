#ifndef WM_WORLDMODEL_LEARNED_FUSED_ENSEMBLE_H_
#define WM_WORLDMODEL_LEARNED_FUSED_ENSEMBLE_H_

// The inference path of the learned kinds' steps: each member's step
// network (physics: dynamics, blackbox and hybrid: network) with its
// weights copied once from LibTorch, run as BLAS matrix products (sgemm)
// with every elementwise operation of a step fused into loops over rows:
// it pays for arithmetic, not for LibTorch's per-operation dispatch. Equals
// MemberNetwork::Step (learned_networks.h) to float rounding. Training and
// parameter identification stay in LibTorch.

#include <cstdint>
#include <memory>
#include <vector>

#include "worldmodel/learned/fused_state_ops.h"
#include "worldmodel/model_kind.h"

namespace wm::worldmodel {

struct LearnedEnsemble;

// Reusable buffers of one calling thread; grows to the largest call.
class FusedScratch {
 public:
  // A buffer of at least `size` floats in `slot` (0 .. 7), kept until the
  // next call with the same slot.
  float* Get(int slot, int64_t size);

 private:
  std::vector<float> buffers_[8];
};

// One member's inputs over `rows` rows.
struct FusedStepInputs {
  const float* states = nullptr;   // [rows, nx]
  const float* actions = nullptr;  // [rows, nu]
  // Physics: normalised parameters [rows, P]; hybrid: the normalised
  // tangent delta of the MuJoCo step [rows, 2 nv]; blackbox: unused.
  const float* extra = nullptr;
};

// One member's outputs over `rows` rows; null pointers are not written.
struct FusedStepOutputs {
  float* next_state = nullptr;  // [rows, nx] (physics and blackbox)
  // Hybrid: the member's tangent correction of the MuJoCo step (its mean
  // times correction_std) [rows, 2 nv].
  float* correction = nullptr;
  float* aleatoric_std = nullptr;  // [rows, 2 nv] (MemberNetwork::AleatoricStd)
};

// K members of one learned kind. Immutable after construction; Step is
// thread-safe with one FusedScratch per thread.
class FusedEnsemble {
 public:
  // Copies the weights of every member of `ensemble` (their current
  // values) and its state operations.
  explicit FusedEnsemble(const LearnedEnsemble& ensemble);
  ~FusedEnsemble();

  ModelKind kind() const { return kind_; }
  int members() const { return static_cast<int>(networks_.size()); }
  const FusedStateOps& ops() const { return ops_; }

  // Member `k`'s one-step prediction for `rows` rows, as
  // MemberNetwork::Step and AleatoricStd.
  void Step(int k, int64_t rows, const FusedStepInputs& in,
            const FusedStepOutputs& out, FusedScratch* scratch) const;

  // Multiply-adds counted as 2 FLOPs per row of one step of all members:
  // the step networks' matrix products and the physics kind's combination
  // of its terms (what bench/ compares with the sgemm rate).
  double FlopsPerRow() const;

 private:
  struct Network;  // one member's step network and log-variance bounds

  int InputWidth() const;
  std::vector<float> NoiseScale() const;
  void WriteInputs(int64_t rows, const FusedStepInputs& in, float* x,
                   FusedScratch* scratch) const;
  void PhysicsOutputs(const Network& network, int64_t rows,
                      const FusedStepInputs& in, const float* raw,
                      const FusedStepOutputs& out) const;
  void ResidualOutputs(const Network& network, int64_t rows,
                       const FusedStepInputs& in, const float* raw,
                       const FusedStepOutputs& out) const;

  ModelKind kind_;
  FusedStateOps ops_;
  std::vector<std::unique_ptr<Network>> networks_;
  std::vector<float> correction_std_;  // hybrid [2 nv]
  std::vector<float> noise_scale_;     // NoiseScale()
};

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_LEARNED_FUSED_ENSEMBLE_H_
