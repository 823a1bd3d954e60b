#include "worldmodel/learned/distributed_options.h"

#include <cstdlib>
#include <optional>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace wm::worldmodel {
namespace {

// An integer setting and where it came from ("--rank", "$SLURM_PROCID").
struct Setting {
  std::optional<int> value;
  std::string source;
};

// The flag's value when given (>= 0), else the first set variable of
// `names`; INVALID_ARGUMENT for a variable that is not an integer.
absl::StatusOr<Setting> IntegerSetting(
    int flag_value, const std::string& flag,
    const std::vector<const char*>& names,
    const std::function<const char*(const char*)>& getenv) {
  if (flag_value >= 0) return Setting{flag_value, "--" + flag};
  for (const char* name : names) {
    const char* text = getenv(name);
    if (text == nullptr || *text == '\0') continue;
    int value = 0;
    if (!absl::SimpleAtoi(text, &value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("$", name, "='", text, "' is not an integer"));
    }
    return Setting{value, absl::StrCat("$", name)};
  }
  return Setting{};
}

// ADDR:PORT from --master, else $MASTER_ADDR and $MASTER_PORT.
absl::Status ResolveMaster(
    const std::string& master,
    const std::function<const char*(const char*)>& getenv,
    DistributedOptions* options) {
  std::string port_text, source;
  if (!master.empty()) {
    const size_t colon = master.rfind(':');
    if (colon == std::string::npos || colon == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--master '", master, "': expected ADDR:PORT (rank 0's address)"));
    }
    options->master_addr = master.substr(0, colon);
    port_text = master.substr(colon + 1);
    source = "--master";
  } else {
    const char* addr = getenv("MASTER_ADDR");
    const char* port = getenv("MASTER_PORT");
    if (addr == nullptr || *addr == '\0' || port == nullptr) {
      return absl::InvalidArgumentError(
          "--distributed needs rank 0's address: --master ADDR:PORT, or "
          "$MASTER_ADDR and $MASTER_PORT");
    }
    options->master_addr = addr;
    port_text = port;
    source = "$MASTER_PORT";
  }
  if (!absl::SimpleAtoi(port_text, &options->master_port) ||
      options->master_port < 1 || options->master_port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": port '", port_text, "' is not in [1, 65535]"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<DistributedOptions> ResolveDistributedOptions(
    const DistributedFlags& flags,
    const std::function<const char*(const char*)>& getenv) {
  DistributedOptions options;
  options.enabled = true;
  absl::StatusOr<Setting> rank =
      IntegerSetting(flags.rank, "rank", {"RANK", "SLURM_PROCID"}, getenv);
  if (!rank.ok()) return rank.status();
  absl::StatusOr<Setting> world = IntegerSetting(
      flags.world_size, "world_size", {"WORLD_SIZE", "SLURM_NTASKS"}, getenv);
  if (!world.ok()) return world.status();
  if (!rank->value || !world->value) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--distributed needs the ", !rank->value ? "rank" : "world size",
        ": --rank and --world_size, $RANK and $WORLD_SIZE, or Slurm's "
        "$SLURM_PROCID and $SLURM_NTASKS (run it under srun)"));
  }
  options.rank = *rank->value;
  options.world_size = *world->value;
  if (options.world_size < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        world->source, ": world size ", options.world_size, " is not >= 1"));
  }
  if (options.rank < 0 || options.rank >= options.world_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        rank->source, ": rank ", options.rank, " is not in [0, ",
        options.world_size, ") (world size from ", world->source, ")"));
  }
  if (!(flags.timeout_seconds > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--distributed_timeout ", flags.timeout_seconds,
                     ": must be a positive number of seconds"));
  }
  options.timeout_seconds = flags.timeout_seconds;
  if (flags.distribute == "batch") {
    options.work = DistributeWork::kBatch;
  } else if (flags.distribute == "members") {
    options.work = DistributeWork::kMembers;
  } else if (flags.distribute != "auto") {
    return absl::InvalidArgumentError(
        absl::StrCat("--distribute '", flags.distribute,
                     "': expected auto, batch or members"));
  }
  if (absl::Status master = ResolveMaster(flags.master, getenv, &options);
      !master.ok()) {
    return master;
  }
  return options;
}

absl::StatusOr<DistributedOptions> ResolveDistributedOptions(
    const DistributedFlags& flags) {
  return ResolveDistributedOptions(
      flags, [](const char* name) -> const char* { return std::getenv(name); });
}

}  // namespace wm::worldmodel
