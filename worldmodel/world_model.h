#ifndef WM_WORLDMODEL_WORLD_MODEL_H_
#define WM_WORLDMODEL_WORLD_MODEL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "util/tensor.h"
#include "wm/v1/state_spec.pb.h"

namespace wm::worldmodel {

// What a prediction is conditioned on besides state and action: a history of
// observed transitions of the same system (the model infers its physical
// parameters from it), or the parameters themselves. At most one is set; an
// empty Context means "a typical system" (the model's prior / nominal).
struct Context {
  // Observed history: states [B or 1, L + 1, nx] and the actions between
  // them [B or 1, L, nu], L >= 1. A leading 1 is shared by the whole batch.
  Tensor history_states;
  Tensor history_actions;
  // Explicit physical parameters [B or 1, P], SI units, in the order of
  // WorldModel::parameters().
  Tensor parameters;
  // Also return each ensemble member's own prediction (member_mean).
  bool per_member = false;

  bool has_history() const { return !history_states.data.empty(); }
  bool has_parameters() const { return !parameters.data.empty(); }
};

// One step ahead for a batch. Spreads live in the 2*nv tangent space
// ([position change (rotation vectors for quaternions) | velocity]).
struct Prediction {
  Tensor mean;           // [B, nx]: member average, quaternions normalised
  Tensor epistemic_std;  // [B, 2 nv]: spread across ensemble members
  Tensor aleatoric_std;  // [B, 2 nv]: the members' own predicted noise
  Tensor member_mean;    // [K, B, nx] when context.per_member, else empty
  // Rows whose answer diverged (increasing; see answer_bounds.h): their mean
  // is the input state and their spreads are kSaturatedStd.
  std::vector<int64_t> diverged;
};

// A multi-step open-loop rollout for N action sequences.
struct Trajectory {
  Tensor mean;           // [N, H + 1, nx], step 0 = the initial state
  Tensor epistemic_std;  // [N, H + 1, 2 nv], zero at step 0
  Tensor aleatoric_std;  // [N, H + 1, 2 nv]
  Tensor member_mean;    // [K, N, H + 1, nx] when context.per_member
  // Samples whose rollout diverged (increasing; see answer_bounds.h): from
  // the first unsound step on, their mean holds the last sound state and
  // their spreads are kSaturatedStd.
  std::vector<int64_t> diverged;
};

// Physical parameters inferred from a history, by name.
struct ParameterEstimate {
  std::vector<v1::ParameterInfo> parameters;  // names and units
  std::vector<double> mean;                   // [P]
  std::vector<double> std;                    // [P], total uncertainty
};

// A model of how a physical system moves, stepping at dt(). Implementations:
// learned (LibTorch), mujoco (the scene's MJCF with given or nominal
// parameters), remote (over gRPC). All methods are const and thread-safe.
// Errors: INVALID_ARGUMENT naming the field for a wrong shape, a non-finite
// value or a context that does not fit; FAILED_PRECONDITION when the model
// cannot use the context given (e.g. parameters it does not know). Models
// from ModelFactory::Load are wrapped by GuardModel (guarded_model.h): an
// exception becomes INTERNAL and every answer is finite (answer_bounds.h).
class WorldModel {
 public:
  virtual ~WorldModel() = default;

  // "physics", "blackbox", "mujoco", "hybrid", "remote".
  virtual std::string kind() const = 0;
  virtual const v1::StateSpec& spec() const = 0;
  // Control and prediction period, seconds.
  virtual double dt() const = 0;
  // The physical parameters the model infers or accepts, in order.
  virtual const std::vector<v1::ParameterInfo>& parameters() const = 0;

  // Next states for states [B, nx] under actions [B, nu].
  virtual absl::StatusOr<Prediction> Predict(const Tensor& states,
                                             const Tensor& actions,
                                             const Context& context) const = 0;

  // Rolls initial states [1 or N, nx] forward under actions [N, H, nu].
  virtual absl::StatusOr<Trajectory> Rollout(const Tensor& initial,
                                             const Tensor& actions,
                                             const Context& context) const = 0;

  // Infers the physical parameters from a history (context.history_*, batch
  // 1). FAILED_PRECONDITION for models that cannot infer.
  virtual absl::StatusOr<ParameterEstimate> InferParameters(
      const Context& history) const = 0;
};

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_WORLD_MODEL_H_
