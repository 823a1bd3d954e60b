#include "datasets/real/log_importer.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "util/quaternion.h"
#include "util/status_macros.h"

namespace wm::datasets {
namespace {

using ColumnList = google::protobuf::RepeatedPtrField<v1::ImportColumn>;

// One entry of time, qpos, qvel or ctrl resolved against a log's header.
struct Source {
  int column = -1;  // -1: the constant
  double scale = 1;
  double constant = 0;
  std::string label;  // "qpos[3] (column 'qw')"
};

bool AllZero(const std::vector<double>& values) {
  for (double value : values) {
    if (value != 0.0) return false;
  }
  return true;
}

// Resolves `entries` (named `what`[i] in messages) against the header of
// `log`, applying constant_when_all_zero rules.
absl::StatusOr<std::vector<Source>> Resolve(
    const CsvLog& log, const ColumnList& entries, const std::string& what,
    std::vector<std::string>* constant_entries) {
  std::vector<Source> sources;
  for (int i = 0; i < entries.size(); ++i) {
    const v1::ImportColumn& entry = entries[i];
    const std::string name = entries.size() == 1 && what == "time"
                                 ? what
                                 : absl::StrCat(what, "[", i, "]");
    Source source;
    source.constant = entry.constant();
    source.scale = entry.scale() == 0 ? 1.0 : entry.scale();
    source.label = name;
    const int rule = entry.constant_when_all_zero().empty()
                         ? -1
                         : log.ColumnIndex(entry.constant_when_all_zero());
    if (rule >= 0 && AllZero(log.columns[rule])) {
      constant_entries->push_back(name);
    } else if (!entry.name().empty()) {
      source.column = log.ColumnIndex(entry.name());
      if (source.column < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(log.source, ":", log.header_line, ": missing column '",
                         entry.name(), "' (for ", name, ")"));
      }
      source.label = absl::StrCat(name, " (column '", entry.name(), "')");
    }
    sources.push_back(std::move(source));
  }
  return sources;
}

// Reads `sources` at `row` into `out`; INVALID_ARGUMENT on a non-finite
// value.
absl::Status ReadRow(const CsvLog& log, int row,
                     const std::vector<Source>& sources, double* out) {
  for (size_t i = 0; i < sources.size(); ++i) {
    const Source& source = sources[i];
    if (source.column < 0) {
      out[i] = source.constant;
      continue;
    }
    const double raw = log.columns[source.column][row];
    out[i] = raw * source.scale;
    if (!std::isfinite(out[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat(log.Where(row), ": ", source.label, " is ",
                       std::isnan(raw)      ? "NaN"
                       : std::isfinite(raw) ? "out of range"
                                            : "Inf"));
    }
  }
  return absl::OkStatus();
}

// Rotates the 3-vector v between frames with the body->world quaternion q.
void ConvertFrame(v1::Joint::Frame from, v1::Joint::Frame to, const double q[4],
                  double v[3]) {
  if (from == v1::Joint::FRAME_UNSPECIFIED ||
      to == v1::Joint::FRAME_UNSPECIFIED || from == to) {
    return;
  }
  if (from == v1::Joint::WORLD) {  // world -> body: q^-1 v q
    double inverse[4];
    QuatConjugate(q, inverse);
    QuatRotate(inverse, v, v);
  } else {  // body -> world
    QuatRotate(q, v, v);
  }
}

// Converts one sample's velocities `v` from the log's frames (`config`) into
// the spec's, with the sample's orientations in `q`.
void ToSpecFrames(const v1::ImportConfig& config, const v1::StateSpec& spec,
                  const double* q, double* v) {
  for (const v1::Joint& joint : spec.joints()) {
    if (joint.type() != v1::Joint::FREE && joint.type() != v1::Joint::BALL) {
      continue;
    }
    const double* orientation = q + joint.quaternion_offset();
    int angular = joint.qvel_offset();
    if (joint.type() == v1::Joint::FREE) {
      ConvertFrame(config.linear_velocity_frame(),
                   joint.linear_velocity_frame(), orientation,
                   v + joint.qvel_offset());
      angular += 3;
    }
    ConvertFrame(config.angular_velocity_frame(),
                 joint.angular_velocity_frame(), orientation, v + angular);
  }
}

}  // namespace

LogImporter::LogImporter(v1::ImportConfig config, v1::StateSpec spec)
    : config_(std::move(config)), spec_(std::move(spec)) {
  for (const v1::Joint& joint : spec_.joints()) {
    if (joint.quaternion_offset() >= 0 &&
        (joint.type() == v1::Joint::FREE || joint.type() == v1::Joint::BALL)) {
      quaternion_offsets_.push_back(joint.quaternion_offset());
    }
  }
}

absl::StatusOr<LogImporter> LogImporter::Create(const v1::ImportConfig& config,
                                                const v1::StateSpec& spec) {
  v1::ImportConfig filled = config;
  if (!(config.dt() > 0) || !std::isfinite(config.dt())) {
    return absl::InvalidArgumentError(
        absl::StrCat("import config: dt must be > 0 s, got ", config.dt()));
  }
  if (config.time().name().empty()) {
    return absl::InvalidArgumentError(
        "import config: time needs a column name");
  }
  const std::pair<const ColumnList*, std::pair<const char*, int>> lists[] = {
      {&config.qpos(), {"qpos", spec.nq()}},
      {&config.qvel(), {"qvel", spec.nv()}},
      {&config.ctrl(), {"ctrl", spec.nu()}}};
  for (const auto& [entries, expected] : lists) {
    if (entries->size() != expected.second) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "import config: %d %s entries, the scene's StateSpec has %d",
          entries->size(), expected.first, expected.second));
    }
  }
  if (filled.max_gap_steps() == 0) filled.set_max_gap_steps(5);
  if (filled.quaternion_norm_tolerance() == 0) {
    filled.set_quaternion_norm_tolerance(1e-3);
  }
  if (filled.min_steps() == 0) filled.set_min_steps(1);
  if (filled.episodes_per_shard() == 0) filled.set_episodes_per_shard(256);
  if (filled.quaternion_order() ==
      v1::ImportConfig::QUATERNION_ORDER_UNSPECIFIED) {
    filled.set_quaternion_order(v1::ImportConfig::WXYZ);
  }
  if (filled.max_gap_steps() < 1 || filled.quaternion_norm_tolerance() < 0 ||
      filled.min_steps() < 1 || filled.episodes_per_shard() < 1) {
    return absl::InvalidArgumentError(
        "import config: max_gap_steps must be >= 1, "
        "quaternion_norm_tolerance >= 0, min_steps and episodes_per_shard "
        ">= 1");
  }
  return LogImporter(std::move(filled), spec);
}

absl::StatusOr<RawTrajectory> LogImporter::Map(const CsvLog& log,
                                               Result* result) const {
  Result scratch;
  if (result == nullptr) result = &scratch;
  ColumnList time_entry;
  *time_entry.Add() = config_.time();
  WM_ASSIGN_OR_RETURN(
      std::vector<Source> time,
      Resolve(log, time_entry, "time", &result->constant_entries));
  WM_ASSIGN_OR_RETURN(
      std::vector<Source> qpos,
      Resolve(log, config_.qpos(), "qpos", &result->constant_entries));
  WM_ASSIGN_OR_RETURN(
      std::vector<Source> qvel,
      Resolve(log, config_.qvel(), "qvel", &result->constant_entries));
  WM_ASSIGN_OR_RETURN(
      std::vector<Source> ctrl,
      Resolve(log, config_.ctrl(), "ctrl", &result->constant_entries));
  const int n = log.num_rows();
  if (n == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(log.source, ": no data rows"));
  }
  RawTrajectory raw;
  raw.nq = spec_.nq();
  raw.nv = spec_.nv();
  raw.nu = spec_.nu();
  raw.time.resize(n);
  raw.qpos.resize(static_cast<size_t>(n) * raw.nq);
  raw.qvel.resize(static_cast<size_t>(n) * raw.nv);
  raw.ctrl.resize(static_cast<size_t>(n) * raw.nu);
  const bool xyzw = config_.quaternion_order() == v1::ImportConfig::XYZW;
  const double tolerance = config_.quaternion_norm_tolerance();
  for (int r = 0; r < n; ++r) {
    WM_RETURN_IF_ERROR(ReadRow(log, r, time, &raw.time[r]));
    if (r > 0 && raw.time[r] <= raw.time[r - 1]) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: time %.9g s %s (line %d has %.9g s)", log.Where(r), raw.time[r],
          raw.time[r] == raw.time[r - 1] ? "repeats" : "goes backwards",
          log.line[r - 1], raw.time[r - 1]));
    }
    // data() + offset, not &v[offset]: a spec without actuators (nu = 0)
    // has an empty ctrl, and indexing an empty vector is undefined.
    double* q = raw.qpos.data() + static_cast<size_t>(r) * raw.nq;
    double* v = raw.qvel.data() + static_cast<size_t>(r) * raw.nv;
    WM_RETURN_IF_ERROR(ReadRow(log, r, qpos, q));
    WM_RETURN_IF_ERROR(ReadRow(log, r, qvel, v));
    WM_RETURN_IF_ERROR(ReadRow(
        log, r, ctrl, raw.ctrl.data() + static_cast<size_t>(r) * raw.nu));
    for (int offset : quaternion_offsets_) {
      double* quaternion = q + offset;
      if (xyzw) {  // [x y z w] -> [w x y z]
        const double w = quaternion[3];
        quaternion[3] = quaternion[2];
        quaternion[2] = quaternion[1];
        quaternion[1] = quaternion[0];
        quaternion[0] = w;
      }
      const double norm = QuatNormalize(quaternion);
      if (!(std::abs(norm - 1.0) <= tolerance)) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "%s: quaternion %s..%s has norm %.6g, not unit (tolerance %g)",
            log.Where(r), qpos[offset].label, qpos[offset + 3].label, norm,
            tolerance));
      }
      if (std::abs(norm - 1.0) > 1e-12) ++result->quaternions_renormalised;
    }
    ToSpecFrames(config_, spec_, q, v);
  }
  return raw;
}

absl::StatusOr<LogImporter::Result> LogImporter::Import(
    const CsvLog& log) const {
  Result result;
  WM_ASSIGN_OR_RETURN(RawTrajectory raw, Map(log, &result));
  ResampleOptions options;
  options.dt = config_.dt();
  options.max_gap_steps = config_.max_gap_steps();
  options.min_steps = config_.min_steps();
  options.quaternion_offsets = quaternion_offsets_;
  result.resampled = ResampleLog(raw, options);
  return result;
}

}  // namespace wm::datasets
