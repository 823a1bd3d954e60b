#include "services/ingest/chunk_journal.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "util/file_util.h"
#include "util/status_macros.h"

namespace wm::services {
namespace {

constexpr char kPrefix[] = "journal_";
constexpr char kSuffix[] = ".log";

uint32_t Crc(const char* data, size_t size) {
  return static_cast<uint32_t>(crc32(crc32(0L, Z_NULL, 0),
                                     reinterpret_cast<const Bytef*>(data),
                                     static_cast<uInt>(size)));
}

void PutU32(uint32_t value, char* out) {
  for (int i = 0; i < 4; ++i)
    out[i] = static_cast<char>((value >> (8 * i)) & 0xff);
}

uint32_t GetU32(const char* in) {
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) {
    value |= static_cast<uint32_t>(static_cast<unsigned char>(in[i]))
             << (8 * i);
  }
  return value;
}

absl::Status WriteAll(int fd, const std::string& bytes,
                      const std::string& path) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoToStatus(errno, "write", path);
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

}  // namespace

JournalSegment::~JournalSegment() { ::close(fd_); }

absl::Status JournalSegment::Sync() const {
  if (::fdatasync(fd_) != 0) return ErrnoToStatus(errno, "fdatasync", path_);
  return absl::OkStatus();
}

std::string ChunkJournal::Encode(const std::string& payload) {
  std::string record(8 + payload.size(), '\0');
  PutU32(static_cast<uint32_t>(payload.size()), &record[0]);
  PutU32(Crc(payload.data(), payload.size()), &record[4]);
  std::copy(payload.begin(), payload.end(), record.begin() + 8);
  return record;
}

absl::StatusOr<std::unique_ptr<ChunkJournal>> ChunkJournal::Open(
    const std::string& directory) {
  if (::mkdir(directory.c_str(), 0755) != 0 && errno != EEXIST) {
    return ErrnoToStatus(errno, "mkdir", directory);
  }
  std::unique_ptr<ChunkJournal> journal(new ChunkJournal(directory));
  WM_ASSIGN_OR_RETURN(std::vector<std::string> segments,
                      journal->ListSegments());
  for (const std::string& name : segments) {
    int64_t number = 0;
    const std::string digits =
        name.substr(sizeof(kPrefix) - 1, name.size() - (sizeof(kPrefix) - 1) -
                                             (sizeof(kSuffix) - 1));
    if (absl::SimpleAtoi(digits, &number)) {
      journal->next_number_ = std::max(journal->next_number_, number + 1);
    }
    struct stat info;
    if (::stat(absl::StrCat(directory, "/", name).c_str(), &info) == 0) {
      journal->bytes_ += info.st_size;
    }
  }
  return journal;
}

absl::StatusOr<std::vector<std::string>> ChunkJournal::ListSegments() const {
  DIR* dir = ::opendir(directory_.c_str());
  if (dir == nullptr) return ErrnoToStatus(errno, "opendir", directory_);
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (absl::StartsWith(name, kPrefix) && absl::EndsWith(name, kSuffix)) {
      names.push_back(name);
    }
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());  // zero-padded: numeric order
  return names;
}

absl::Status ChunkJournal::Replay(
    const std::function<absl::Status(const std::string& payload)>& visit) {
  WM_ASSIGN_OR_RETURN(std::vector<std::string> segments, ListSegments());
  for (const std::string& name : segments) {
    if (current_ != nullptr &&
        current_->path_ == absl::StrCat(directory_, "/", name)) {
      continue;
    }
    WM_ASSIGN_OR_RETURN(const std::string bytes,
                        ReadFileToString(absl::StrCat(directory_, "/", name)));
    size_t at = 0;
    while (at < bytes.size()) {
      if (bytes.size() - at < 8) break;
      const uint32_t size = GetU32(&bytes[at]);
      if (bytes.size() - at - 8 < size ||
          Crc(&bytes[at + 8], size) != GetU32(&bytes[at + 4])) {
        break;
      }
      WM_RETURN_IF_ERROR(visit(bytes.substr(at + 8, size)));
      at += 8 + size;
    }
    if (at < bytes.size()) ++torn_records_;
  }
  return absl::OkStatus();
}

absl::Status ChunkJournal::StartSegment(
    const std::vector<const std::string*>& carried) {
  WM_ASSIGN_OR_RETURN(std::vector<std::string> old, ListSegments());
  const std::string path =
      absl::StrCat(directory_, "/", kPrefix,
                   absl::StrFormat("%06d", next_number_++), kSuffix);
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoToStatus(errno, "open", path);
  auto segment = std::shared_ptr<JournalSegment>(new JournalSegment(path, fd));
  std::string bytes;
  for (const std::string* payload : carried) bytes += Encode(*payload);
  WM_RETURN_IF_ERROR(WriteAll(fd, bytes, path));
  WM_RETURN_IF_ERROR(segment->Sync());
  WM_RETURN_IF_ERROR(SyncDirectory(directory_));
  current_ = std::move(segment);
  current_bytes_ = static_cast<int64_t>(bytes.size());
  for (const std::string& name : old) {
    const std::string old_path = absl::StrCat(directory_, "/", name);
    if (old_path != path && ::unlink(old_path.c_str()) != 0) {
      return ErrnoToStatus(errno, "unlink", old_path);
    }
  }
  WM_RETURN_IF_ERROR(SyncDirectory(directory_));
  bytes_ = current_bytes_;
  return absl::OkStatus();
}

absl::Status ChunkJournal::Append(const std::string& payload) {
  if (current_ == nullptr) {
    return absl::FailedPreconditionError("journal: no open segment");
  }
  const std::string record = Encode(payload);
  absl::Status written = WriteAll(current_->fd_, record, current_->path_);
  if (!written.ok()) {
    // Cut a partial record off, so later appends do not follow a torn one.
    if (::ftruncate(current_->fd_, current_bytes_) != 0 ||
        ::lseek(current_->fd_, current_bytes_, SEEK_SET) < 0) {
      return ErrnoToStatus(errno, "ftruncate", current_->path_);
    }
    return written;
  }
  current_bytes_ += static_cast<int64_t>(record.size());
  bytes_ += static_cast<int64_t>(record.size());
  return absl::OkStatus();
}

}  // namespace wm::services
