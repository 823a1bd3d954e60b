#ifndef WM_TOOLS_WM_SUBCOMMAND_H_
#define WM_TOOLS_WM_SUBCOMMAND_H_

#include <set>
#include <string>
#include <vector>

namespace wm::tools {

// What the command line gave a subcommand.
struct Invocation {
  // Arguments that are not flags, after the subcommand name.
  std::vector<std::string> positional;
  // Names of the flags given (so they override the fields of --config).
  std::set<std::string> given_flags;

  bool Given(const std::string& flag) const {
    return given_flags.count(flag) > 0;
  }
};

// A flag a subcommand takes. Its --help shows `help` when given (what the
// flag means for this subcommand), else the absl flag's own help, and
// `default_value` when given (the subcommand's default differs from the
// shared flag's), else the flag's default.
struct SubcommandFlag {
  SubcommandFlag(const char* name, const char* help = nullptr,  // NOLINT
                 const char* default_value = nullptr)
      : name(name), help(help), default_value(default_value) {}
  const char* name;
  const char* help;
  const char* default_value;
};

// One `wm <name>` subcommand. Its flags are absl flags defined in
// tools/wm/flags.cc; `flags` lists the ones it accepts (other flags are
// refused before parsing, glog's excepted), in the order its --help shows
// them.
struct Subcommand {
  const char* name;
  const char* summary;  // one line for `wm --help`
  const char* usage;    // synopsis for `wm <name> --help`
  std::vector<SubcommandFlag> flags;
  // Runs the subcommand; returns the process exit code (0 success,
  // 1 failure, 2 usage error).
  int (*run)(const Invocation& invocation);
};

// Every subcommand, in the order `wm --help` lists them. An explicit list
// (tools/wm/registry.cc): adding a subcommand is one file and one line there.
const std::vector<Subcommand>& AllSubcommands();

}  // namespace wm::tools

#endif  // WM_TOOLS_WM_SUBCOMMAND_H_
