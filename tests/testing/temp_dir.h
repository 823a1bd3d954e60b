#ifndef WM_TESTS_TESTING_TEMP_DIR_H_
#define WM_TESTS_TESTING_TEMP_DIR_H_

#include <string>

namespace wm::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents when
// the object is destroyed. CHECK-fails if it cannot be created.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name.
  std::string Join(const std::string& name) const;

 private:
  std::string path_;
};

}  // namespace wm::testing

#endif  // WM_TESTS_TESTING_TEMP_DIR_H_
