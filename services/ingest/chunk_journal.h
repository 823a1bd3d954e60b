#ifndef WM_SERVICES_INGEST_CHUNK_JOURNAL_H_
#define WM_SERVICES_INGEST_CHUNK_JOURNAL_H_

// The ingest store's write-ahead journal (docs/fleet.md, "The store on
// disk"): segment files journal_NNNNNN.log in one directory, each a run of
// records [u32 length][u32 CRC-32][payload], little-endian. Appends go to
// the newest segment; Sync() makes them durable. A record torn by a crash
// (short, or its CRC wrong) ends its segment's replay.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace wm::services {

// One open segment file; shared so that a sync in flight keeps it open
// while the journal moves on to a newer one.
class JournalSegment {
 public:
  ~JournalSegment();
  // fdatasync. Errors name the file.
  absl::Status Sync() const;

 private:
  friend class ChunkJournal;
  JournalSegment(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_;
};

class ChunkJournal {
 public:
  // The journal in `directory` (created if missing). No segment is open
  // for appends until StartSegment(). Errors name the directory.
  static absl::StatusOr<std::unique_ptr<ChunkJournal>> Open(
      const std::string& directory);

  // Calls `visit` on every intact record of every segment, oldest first;
  // stops at and returns the first error of `visit`. Torn tails are
  // skipped (counted in torn_records()).
  absl::Status Replay(
      const std::function<absl::Status(const std::string& payload)>& visit);

  // Opens a new segment, writes `carried` (the payloads still needed) into
  // it, syncs it and the directory, then removes every older segment.
  // From then on Append() goes to the new one. Not concurrent with Append.
  absl::Status StartSegment(const std::vector<const std::string*>& carried);

  // Appends one record to the newest segment (written, not yet synced).
  // Errors (disk full, I/O) name the file. Not thread-safe: the caller
  // serialises appends.
  absl::Status Append(const std::string& payload);

  // The newest segment, for Sync() outside the caller's lock.
  std::shared_ptr<JournalSegment> current() const { return current_; }

  // Bytes of all segments on disk.
  int64_t bytes() const { return bytes_; }
  // Torn records skipped by Replay().
  int torn_records() const { return torn_records_; }

  // The encoded record of `payload`: length, CRC-32 and payload.
  static std::string Encode(const std::string& payload);

 private:
  explicit ChunkJournal(std::string directory)
      : directory_(std::move(directory)) {}
  // Segment file names in order.
  absl::StatusOr<std::vector<std::string>> ListSegments() const;

  std::string directory_;
  int64_t next_number_ = 1;
  std::shared_ptr<JournalSegment> current_;
  int64_t current_bytes_ = 0;
  int64_t bytes_ = 0;
  int torn_records_ = 0;
};

}  // namespace wm::services

#endif  // WM_SERVICES_INGEST_CHUNK_JOURNAL_H_
