#include "worldmodel/tensor_checks.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "util/status_macros.h"

namespace wm::worldmodel {
namespace {

// One expected dimension: an exact size, or any size >= 1 shown by a symbol.
struct Dim {
  int64_t size = -1;         // -1: any size >= 1
  std::string symbol = "";   // shown when size == -1, e.g. "B"
  int64_t alternative = -1;  // a second accepted size (the shared "1"), or -1
};

std::string DimString(const Dim& dim) {
  std::string text = dim.size >= 0 ? absl::StrCat(dim.size) : dim.symbol;
  if (dim.alternative >= 0 && dim.alternative != dim.size) {
    absl::StrAppend(&text, " or ", dim.alternative);
  }
  return text;
}

// Checks rank, each dimension, data size and finiteness of `tensor`.
absl::Status CheckTensor(const std::string& what, const Tensor& tensor,
                         const std::vector<Dim>& dims) {
  bool matches = tensor.rank() == static_cast<int64_t>(dims.size());
  for (size_t i = 0; matches && i < dims.size(); ++i) {
    const int64_t got = tensor.shape[i];
    if (dims[i].size >= 0) {
      matches = got == dims[i].size || got == dims[i].alternative;
    } else {
      matches = got >= 1;
    }
  }
  if (!matches) {
    std::vector<std::string> expected;
    for (const Dim& dim : dims) expected.push_back(DimString(dim));
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": expected shape [", absl::StrJoin(expected, ", "),
                     "], got ", tensor.ShapeString()));
  }
  WM_RETURN_IF_ERROR(tensor.CheckConsistent(what));
  return tensor.CheckFinite(what);
}

int64_t Nx(const v1::StateSpec& spec) { return spec.nq() + spec.nv(); }

}  // namespace

absl::Status CheckPredictInputs(const v1::StateSpec& spec, const Tensor& states,
                                const Tensor& actions) {
  WM_RETURN_IF_ERROR(CheckTensor("states", states, {{-1, "B"}, {Nx(spec)}}));
  return CheckTensor("actions", actions, {{states.shape[0]}, {spec.nu()}});
}

absl::Status CheckRolloutInputs(const v1::StateSpec& spec,
                                const Tensor& initial, const Tensor& actions) {
  WM_RETURN_IF_ERROR(
      CheckTensor("actions", actions, {{-1, "N"}, {-1, "H"}, {spec.nu()}}));
  return CheckTensor("initial", initial,
                     {{actions.shape[0], "", 1}, {Nx(spec)}});
}

absl::Status CheckContext(const v1::StateSpec& spec, int64_t num_parameters,
                          int64_t batch, const Context& context) {
  const bool has_history = context.has_history() ||
                           !context.history_actions.data.empty() ||
                           !context.history_states.shape.empty();
  if (has_history && context.has_parameters()) {
    return absl::InvalidArgumentError(
        "context: set either history_states/history_actions or parameters, "
        "not both");
  }
  if (context.has_parameters() || !context.parameters.shape.empty()) {
    if (num_parameters == 0) {
      return absl::FailedPreconditionError(
          "context.parameters: this model takes no physical parameters");
    }
    return CheckTensor("context.parameters", context.parameters,
                       {{batch, "", 1}, {num_parameters}});
  }
  if (!has_history) return absl::OkStatus();
  WM_RETURN_IF_ERROR(CheckTensor("context.history_states",
                                 context.history_states,
                                 {{batch, "", 1}, {-1, "L + 1"}, {Nx(spec)}}));
  const int64_t lead = context.history_states.shape[0];
  const int64_t length = context.history_states.shape[1] - 1;
  if (length < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "context.history_states: a history needs at least 2 states (L >= 1 "
        "transitions), got shape ",
        context.history_states.ShapeString()));
  }
  return CheckTensor("context.history_actions", context.history_actions,
                     {{lead}, {length}, {spec.nu()}});
}

namespace {

struct Bounds {
  double low, high;
  bool low_open;  // (low, high] instead of [low, high]
};

Bounds QuantityBounds(const std::string& quantity) {
  if (quantity == "mass" || quantity == "inertia_x" ||
      quantity == "inertia_y" || quantity == "inertia_z") {
    return {0, 1e4, true};
  }
  if (quantity == "friction") return {0, 10, false};
  if (quantity == "damping" || quantity == "frictionloss") {
    return {0, 1e5, false};
  }
  if (quantity == "armature") return {0, 1e4, false};
  if (quantity == "com_x" || quantity == "com_y" || quantity == "com_z") {
    return {-100, 100, false};
  }
  if (quantity == "solref_stiffness") return {0, 1e9, false};
  if (quantity == "solref_damping") return {0, 1e6, false};
  return {-1e9, 1e9, false};
}

}  // namespace

absl::Status CheckParameterBounds(
    const std::vector<v1::ParameterInfo>& parameters, const Tensor& values,
    const std::string& field) {
  const int64_t p = parameters.size();
  if (p == 0 || values.data.empty()) return absl::OkStatus();
  for (size_t i = 0; i < values.data.size(); ++i) {
    const v1::ParameterInfo& info = parameters[i % p];
    const std::string& name = info.name();
    const size_t slash = name.rfind('/');
    const Bounds bounds = QuantityBounds(
        slash == std::string::npos ? name : name.substr(slash + 1));
    const double value = values.data[i];
    const bool inside =
        (bounds.low_open ? value > bounds.low : value >= bounds.low) &&
        value <= bounds.high;  // false for NaN
    if (!inside) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, "[", i / p, ", ", i % p, "] (", name, "): ", value,
          " is outside ", bounds.low_open ? "(" : "[", bounds.low, ", ",
          bounds.high, "]", info.unit().empty() ? "" : " ", info.unit()));
    }
  }
  return absl::OkStatus();
}

}  // namespace wm::worldmodel
