// `wm`: the one CLI binary. Dispatches `wm <subcommand> [flags]`, refuses
// flags the subcommand does not take, and prints per-subcommand help.

#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "tools/wm/glog_flags.h"
#include "tools/wm/subcommand.h"
#include "util/logging.h"
#include "worldmodel/learned/torch_runtime.h"

#ifndef WM_VERSION
#define WM_VERSION "unknown"
#endif
#ifndef WM_GIT_REVISION
#define WM_GIT_REVISION "unknown"
#endif

namespace wm::tools {
namespace {

void PrintOverview(std::ostream& out) {
  out << "wm: a physics-grounded world-model service.\n\n"
         "Usage: wm <subcommand> [flags]\n\nSubcommands:\n";
  for (const Subcommand& command : AllSubcommands()) {
    out << "  " << command.name
        << std::string(12 - std::min<size_t>(11, strlen(command.name)), ' ')
        << command.summary << "\n";
  }
  out << "\n'wm <subcommand> --help' describes one subcommand and its flags;"
         "\n'wm --version' prints the version.\n";
}

void PrintSubcommandHelp(const Subcommand& command) {
  std::cout << "wm " << command.name << ": " << command.summary
            << "\n\nUsage: " << command.usage << "\n\nFlags:\n";
  for (const SubcommandFlag& accepted : command.flags) {
    const absl::CommandLineFlag* flag =
        absl::FindCommandLineFlag(accepted.name);
    CHECK(flag != nullptr) << "subcommand lists undefined flag --"
                           << accepted.name;
    std::cout << "  --" << accepted.name << " ("
              << (accepted.help != nullptr ? accepted.help : flag->Help())
              << ")\n"
              << "      default: \""
              << (accepted.default_value != nullptr ? accepted.default_value
                                                    : flag->DefaultValue())
              << "\"\n";
  }
  std::cout << "\nLogging (glog, every subcommand): --v=N, --vmodule=PATTERN=N,"
               " --log_dir=DIR (log files there instead of stderr),"
               " --logtostderr, --alsologtostderr, --minloglevel=N,"
               " --stderrthreshold=N.\n";
}

// The flag name in "--name=value", "--name" or "-name"; empty for
// positional arguments.
std::string FlagName(const std::string& argument) {
  if (argument.size() < 2 || argument[0] != '-' || argument == "--") return "";
  const std::string body = argument.substr(argument[1] == '-' ? 2 : 1);
  return body.substr(0, body.find('='));
}

// The flag of `command` that `name` refers to ("overwrite" for "overwrite"
// and for the negation "nooverwrite"), or "" when it takes no such flag.
std::string AcceptedFlag(const Subcommand& command, const std::string& name) {
  for (const SubcommandFlag& accepted : command.flags) {
    if (name == accepted.name) return name;
    if (absl::StartsWith(name, "no") && name.substr(2) == accepted.name) {
      return accepted.name;
    }
  }
  return "";
}

int Main(int argc, char** argv) {
  google::InitGoogleLogging(argv[0]);
  FLAGS_logtostderr = true;
  absl::SetProgramUsageMessage("wm <subcommand> [flags]; see wm --help");

  if (argc < 2 || std::string(argv[1]) == "--help" ||
      std::string(argv[1]) == "-h" || std::string(argv[1]) == "help") {
    PrintOverview(std::cout);
    return argc < 2 ? 2 : 0;
  }
  if (std::string(argv[1]) == "--version") {
    std::cout << "wm " << WM_VERSION << " (git " << WM_GIT_REVISION << ")\n";
    return 0;
  }
  const Subcommand* command = nullptr;
  for (const Subcommand& candidate : AllSubcommands()) {
    if (argv[1] == std::string(candidate.name)) command = &candidate;
  }
  if (command == nullptr) {
    std::cerr << "wm: unknown subcommand '" << argv[1] << "'\n\n";
    PrintOverview(std::cerr);
    return 2;
  }

  Invocation invocation;
  std::vector<char*> arguments = {argv[0]};
  for (int i = 2; i < argc; ++i) {
    const std::string name = FlagName(argv[i]);
    if (name == "help" || name == "h") {
      PrintSubcommandHelp(*command);
      return 0;
    }
    if (IsGlogFlag(name)) {
      const absl::Status applied = ApplyGlogFlag(argc, argv, &i);
      if (!applied.ok()) {
        std::cerr << "wm " << command->name << ": " << applied.message()
                  << "\n";
        return 2;
      }
      continue;
    }
    if (!name.empty()) {
      const std::string accepted = AcceptedFlag(*command, name);
      if (accepted.empty()) {
        std::cerr << "wm " << command->name << ": unknown flag --" << name
                  << " (see wm " << command->name << " --help)\n";
        return 2;
      }
      invocation.given_flags.insert(accepted);
    }
    arguments.push_back(argv[i]);
  }
  std::vector<char*> parsed = absl::ParseCommandLine(
      static_cast<int>(arguments.size()), arguments.data());
  invocation.positional.assign(parsed.begin() + 1, parsed.end());
  // One BLAS and intra-op thread, whatever the environment says
  // (docs/design.md section 7).
  worldmodel::UseOneIntraOpThread();
  return command->run(invocation);
}

}  // namespace
}  // namespace wm::tools

int main(int argc, char** argv) { return wm::tools::Main(argc, argv); }
