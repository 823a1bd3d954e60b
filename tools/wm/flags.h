#ifndef WM_TOOLS_WM_FLAGS_H_
#define WM_TOOLS_WM_FLAGS_H_

// Every flag of the `wm` CLI, defined once in flags.cc and shared by the
// subcommands that list it (see subcommand.h).

#include <string>

#include "absl/flags/declare.h"

ABSL_DECLARE_FLAG(std::string, config);

#endif  // WM_TOOLS_WM_FLAGS_H_
