#ifndef WM_UTIL_FILE_UTIL_H_
#define WM_UTIL_FILE_UTIL_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace wm {

// Writes `contents` to `path` atomically and durably: a temporary file in
// the same directory is written, flushed to disk and renamed over `path`,
// and the directory is flushed (RenamePath), so a reader sees the old file
// or the new one, never a torn one, and a power cut after it returns keeps
// the new one. The directory must
// exist. Errors: NOT_FOUND (no such directory), PERMISSION_DENIED, INTERNAL
// (disk full, I/O error); the temporary file is removed on failure.
// Thread-safe for distinct paths.
absl::Status WriteFileAtomically(const std::string& path,
                                 const std::string& contents);

// Renames `from` to `to` (files or directories, same filesystem) durably:
// after the rename the directory holding `to` (and the one that held `from`,
// when another) is fsynced, so a rename reported done survives a power cut.
// Publish a file or directory by writing it under a temporary name, syncing
// its contents (SyncFile, or WriteFileAtomically for each file), then
// RenamePath. `to` must not be a non-empty directory. Errors name both
// paths (the rename) or the directory (the sync).
absl::Status RenamePath(const std::string& from, const std::string& to);

// Flushes the file at `path` to disk (fsync). Errors name the path.
absl::Status SyncFile(const std::string& path);

// Flushes the entries of `directory` (creations, renames, removals) to disk
// (fsync of the directory). Errors name the directory.
absl::Status SyncDirectory(const std::string& directory);

// The directory holding `path` ("." for a bare name).
std::string ParentDirectory(const std::string& path);

// The whole contents of the file at `path`. NOT_FOUND when it does not
// exist, PERMISSION_DENIED, or INTERNAL for other I/O errors.
absl::StatusOr<std::string> ReadFileToString(const std::string& path);

// A temporary sibling name for `path` that is unique to this process and
// call: "<path>.tmp.<pid>.<counter>". Thread-safe.
std::string TemporarySiblingPath(const std::string& path);

// Maps an errno value from an operation on `path` to a Status whose message
// names the operation, the path and strerror.
absl::Status ErrnoToStatus(int error_number, const std::string& operation,
                           const std::string& path);

}  // namespace wm

#endif  // WM_UTIL_FILE_UTIL_H_
