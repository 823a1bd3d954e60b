#ifndef WM_UTIL_LOGGING_H_
#define WM_UTIL_LOGGING_H_

// The project's one logging include: glog (LibTorch is built with glog, so its
// headers define the same LOG and CHECK macros).
#include <glog/logging.h>

#endif  // WM_UTIL_LOGGING_H_
