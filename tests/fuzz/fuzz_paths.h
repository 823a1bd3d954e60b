#ifndef WM_TESTS_FUZZ_FUZZ_PATHS_H_
#define WM_TESTS_FUZZ_FUZZ_PATHS_H_

// Paths for fuzz harnesses: files of the repository (WM_SOURCE_DIR is set
// by tests/fuzz/CMakeLists.txt) and a scratch directory of this process.

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace wm::fuzz {

// `relative` under the repository root.
inline std::string SourcePath(const std::string& relative) {
  return std::string(WM_SOURCE_DIR) + "/" + relative;
}

// A directory of this process under the system's temporary directory,
// created on first use and removed at exit.
inline const std::string& ScratchDir() {
  static const std::string* dir = [] {
    auto* path = new std::string((std::filesystem::temp_directory_path() /
                                  ("wm_fuzz." + std::to_string(getpid())))
                                     .string());
    std::filesystem::create_directories(*path);
    return path;
  }();
  static const bool cleanup = [] {
    std::atexit([] {
      std::error_code error;
      std::filesystem::remove_all(*dir, error);
    });
    return true;
  }();
  (void)cleanup;
  return *dir;
}

// Writes `size` bytes to `path` (plain, not atomic: a scratch file).
inline void WriteScratchFile(const std::string& path, const uint8_t* data,
                             size_t size) {
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), size);
}

}  // namespace wm::fuzz

#endif  // WM_TESTS_FUZZ_FUZZ_PATHS_H_
