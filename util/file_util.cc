#include "util/file_util.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace wm {

absl::Status ErrnoToStatus(int error_number, const std::string& operation,
                           const std::string& path) {
  std::string message =
      absl::StrCat(operation, " '", path, "': ", std::strerror(error_number));
  switch (error_number) {
    case ENOENT:
    case ENOTDIR:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
    case EROFS:
      return absl::PermissionDeniedError(message);
    case EEXIST:
    case ENOTEMPTY:
      return absl::AlreadyExistsError(message);
    case ENOSPC:
      return absl::ResourceExhaustedError(message);
    default:
      return absl::InternalError(message);
  }
}

std::string TemporarySiblingPath(const std::string& path) {
  static std::atomic<int64_t> counter{0};
  return absl::StrCat(path, ".tmp.", getpid(), ".", counter++);
}

absl::Status WriteFileAtomically(const std::string& path,
                                 const std::string& contents) {
  const std::string temporary = TemporarySiblingPath(path);
  int fd =
      open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoToStatus(errno, "create", temporary);

  const char* cursor = contents.data();
  size_t remaining = contents.size();
  while (remaining > 0) {
    ssize_t written = write(fd, cursor, remaining);
    if (written < 0) {
      if (errno == EINTR) continue;
      absl::Status status = ErrnoToStatus(errno, "write", temporary);
      close(fd);
      unlink(temporary.c_str());
      return status;
    }
    cursor += written;
    remaining -= static_cast<size_t>(written);
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    absl::Status status = ErrnoToStatus(errno, "flush", temporary);
    unlink(temporary.c_str());
    return status;
  }
  absl::Status renamed = RenamePath(temporary, path);
  if (!renamed.ok()) unlink(temporary.c_str());
  return renamed;
}

absl::Status RenamePath(const std::string& from, const std::string& to) {
  if (std::rename(from.c_str(), to.c_str()) != 0) {
    return ErrnoToStatus(errno, absl::StrCat("rename '", from, "' to"), to);
  }
  const std::string to_parent = ParentDirectory(to);
  const std::string from_parent = ParentDirectory(from);
  absl::Status synced = SyncDirectory(to_parent);
  if (synced.ok() && from_parent != to_parent) {
    synced = SyncDirectory(from_parent);
  }
  return synced;
}

std::string ParentDirectory(const std::string& path) {
  std::string clean = path;
  while (clean.size() > 1 && clean.back() == '/') clean.pop_back();
  const size_t slash = clean.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return clean.substr(0, slash);
}

namespace {

// Opens `path` with `flags`, fsyncs and closes it.
absl::Status OpenAndSync(const std::string& path, int flags, const char* what) {
  int fd = open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return ErrnoToStatus(errno, absl::StrCat("open ", what), path);
  const bool ok = fsync(fd) == 0;
  const int error = errno;
  close(fd);
  return ok ? absl::OkStatus()
            : ErrnoToStatus(error, absl::StrCat("flush ", what), path);
}

}  // namespace

absl::Status SyncFile(const std::string& path) {
  return OpenAndSync(path, O_RDONLY, "file");
}

absl::Status SyncDirectory(const std::string& directory) {
  return OpenAndSync(directory, O_RDONLY | O_DIRECTORY, "directory");
}

absl::StatusOr<std::string> ReadFileToString(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoToStatus(errno, "open", path);
  std::string contents;
  char buffer[1 << 16];
  while (true) {
    ssize_t count = read(fd, buffer, sizeof(buffer));
    if (count < 0) {
      if (errno == EINTR) continue;
      absl::Status status = ErrnoToStatus(errno, "read", path);
      close(fd);
      return status;
    }
    if (count == 0) break;
    contents.append(buffer, static_cast<size_t>(count));
  }
  close(fd);
  return contents;
}

}  // namespace wm
