#include "tools/wm/subcommand.h"

namespace wm::tools {

int RunDoctor(const Invocation& invocation);
int RunGen(const Invocation& invocation);
int RunInspect(const Invocation& invocation);

const std::vector<Subcommand>& AllSubcommands() {
  static const std::vector<Subcommand>* const kSubcommands =
      new std::vector<Subcommand>{
          {"gen",
           "simulate randomised MuJoCo episodes into an HDF5 dataset",
           "wm gen --scene NAME|FILE.pbtxt --episodes N --steps T --seed S "
           "--workers W --out DIR [--overwrite] [--policy KIND] "
           "[--config FILE]",
           {"config", "scene", "episodes", "steps", "seed", "workers", "out",
            "overwrite", "policy", "episodes_per_shard"},
           RunGen},
          {"inspect",
           "print a dataset's manifest, counts and parameter ranges",
           "wm inspect DIR",
           {"config"},
           RunInspect},
          {"doctor",
           "check the toolchain this machine runs wm with (BLAS, versions)",
           "wm doctor",
           {"config"},
           RunDoctor},
      };
  return *kSubcommands;
}

}  // namespace wm::tools
