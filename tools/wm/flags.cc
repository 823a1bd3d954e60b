#include "tools/wm/flags.h"

#include "absl/flags/flag.h"

ABSL_FLAG(std::string, config, "",
          "Text-proto config file; flags given on the command line override "
          "its fields.");
