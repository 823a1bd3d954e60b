#include "tools/wm/subcommand.h"

namespace wm::tools {

int RunDoctor(const Invocation& invocation);

const std::vector<Subcommand>& AllSubcommands() {
  static const std::vector<Subcommand>* const kSubcommands =
      new std::vector<Subcommand>{
          {"doctor",
           "check the toolchain this machine runs wm with (BLAS, versions)",
           "wm doctor",
           {},
           RunDoctor},
      };
  return *kSubcommands;
}

}  // namespace wm::tools
