#include "tests/testing/temp_dir.h"

#include <cstdlib>
#include <filesystem>

#include "util/logging.h"

namespace wm::testing {

TempDir::TempDir() {
  const char* root = std::getenv("TMPDIR");
  std::string pattern =
      std::string(root != nullptr && *root ? root : "/tmp") + "/wm_test_XXXXXX";
  CHECK(mkdtemp(pattern.data()) != nullptr) << "mkdtemp " << pattern;
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::Join(const std::string& name) const {
  return path_ + "/" + name;
}

}  // namespace wm::testing
