#include "util/zip_check.h"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <optional>

#include "absl/strings/str_cat.h"

namespace wm {
namespace {

constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr uint32_t kCentralHeader = 0x02014b50;
constexpr uint32_t kEndOfCentralDirectory = 0x06054b50;
constexpr uint32_t kZip64End = 0x06064b50;
constexpr uint32_t kZip64Locator = 0x07064b50;
constexpr uint16_t kZip64ExtraId = 0x0001;
constexpr uint32_t kMax32 = 0xffffffffu;
constexpr uint16_t kMax16 = 0xffff;

// The CRC-32 of `data`, inflated first when `deflated`, and its (inflated)
// length; nullopt when deflated data does not inflate, or not within
// `max_length` bytes. Inflates through a fixed buffer, so a declared size
// never becomes an allocation.
struct Checksum {
  uint32_t crc = 0;
  uint64_t length = 0;
};
std::optional<Checksum> ChecksumOf(absl::string_view data, bool deflated,
                                   uint64_t max_length) {
  Checksum sum{static_cast<uint32_t>(crc32(0L, Z_NULL, 0)), 0};
  if (!deflated) {
    for (size_t at = 0; at < data.size(); at += 1u << 30) {
      const size_t n = std::min<size_t>(data.size() - at, 1u << 30);
      sum.crc = crc32(sum.crc, reinterpret_cast<const Bytef*>(data.data() + at),
                      static_cast<uInt>(n));
    }
    sum.length = data.size();
    return sum;
  }
  z_stream stream{};
  if (data.size() > UINT32_MAX || inflateInit2(&stream, -MAX_WBITS) != Z_OK) {
    return std::nullopt;
  }
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  unsigned char buffer[1 << 14];
  int result = Z_OK;
  while (result == Z_OK) {
    stream.next_out = buffer;
    stream.avail_out = sizeof(buffer);
    result = inflate(&stream, Z_NO_FLUSH);
    const size_t produced = sizeof(buffer) - stream.avail_out;
    sum.crc = crc32(sum.crc, buffer, static_cast<uInt>(produced));
    sum.length += produced;
    if (result == Z_OK && produced == 0 && stream.avail_in == 0) break;
    if (sum.length > max_length) break;  // result is not Z_STREAM_END yet
  }
  inflateEnd(&stream);
  if (result != Z_STREAM_END || sum.length > max_length) return std::nullopt;
  return sum;
}

// Little-endian reads; the caller checks the bounds.
uint64_t Read(absl::string_view bytes, uint64_t at, int width) {
  uint64_t value = 0;
  for (int i = width - 1; i >= 0; --i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[at + i]);
  }
  return value;
}

class Checker {
 public:
  Checker(absl::string_view bytes, const std::string& what)
      : bytes_(bytes), what_(what) {}

  absl::Status Check() {
    if (!FindEnd()) return Bad("no end-of-central-directory record");
    uint64_t entries = Read(bytes_, end_ + 10, 2);
    uint64_t cd_size = Read(bytes_, end_ + 12, 4);
    uint64_t cd_offset = Read(bytes_, end_ + 16, 4);
    if (Read(bytes_, end_ + 4, 2) != 0 || Read(bytes_, end_ + 6, 2) != 0 ||
        Read(bytes_, end_ + 8, 2) != entries) {
      return Bad("a multi-disk archive");
    }
    uint64_t limit = end_;  // the central directory ends before this
    if (entries == kMax16 || cd_size == kMax32 || cd_offset == kMax32) {
      if (end_ < 20 || Read(bytes_, end_ - 20, 4) != kZip64Locator) {
        return Bad("ZIP64 sizes without a ZIP64 locator");
      }
      const uint64_t record = Read(bytes_, end_ - 12, 8);
      if (record > end_ - 20 || end_ - 20 - record < 56 ||
          Read(bytes_, record, 4) != kZip64End) {
        return Bad("a ZIP64 end record outside the file");
      }
      entries = Read(bytes_, record + 32, 8);
      cd_size = Read(bytes_, record + 40, 8);
      cd_offset = Read(bytes_, record + 48, 8);
      limit = record;
    }
    if (cd_offset > limit || cd_size > limit - cd_offset) {
      return Bad("the central directory lies outside the file");
    }
    uint64_t at = cd_offset;
    const uint64_t cd_end = cd_offset + cd_size;
    for (uint64_t e = 0; e < entries; ++e) {
      if (absl::Status s = Entry(&at, cd_end, cd_offset, e); !s.ok()) return s;
    }
    if (at != cd_end) return Bad("the central directory has trailing bytes");
    return absl::OkStatus();
  }

 private:
  absl::Status Bad(const std::string& problem) const {
    return absl::DataLossError(
        absl::StrCat(what_, ": not a well-formed ZIP archive: ", problem));
  }

  // The end record: the last signature whose comment reaches the end.
  bool FindEnd() {
    if (bytes_.size() < 22) return false;
    const uint64_t last = bytes_.size() - 22;
    const uint64_t first = last > kMax16 ? last - kMax16 : 0;
    for (uint64_t at = last + 1; at-- > first;) {
      if (Read(bytes_, at, 4) == kEndOfCentralDirectory &&
          at + 22 + Read(bytes_, at + 20, 2) == bytes_.size()) {
        end_ = at;
        return true;
      }
    }
    return false;
  }

  // One central entry at *at (advanced past it) and its local header.
  absl::Status Entry(uint64_t* at, uint64_t cd_end, uint64_t data_end,
                     uint64_t index) {
    const std::string which = absl::StrCat("entry ", index);
    if (cd_end - *at < 46 || Read(bytes_, *at, 4) != kCentralHeader) {
      return Bad(absl::StrCat(which, ": no central header"));
    }
    const uint64_t method = Read(bytes_, *at + 10, 2);
    const uint64_t crc = Read(bytes_, *at + 16, 4);
    uint64_t compressed = Read(bytes_, *at + 20, 4);
    uint64_t uncompressed = Read(bytes_, *at + 24, 4);
    const uint64_t name = Read(bytes_, *at + 28, 2);
    const uint64_t extra = Read(bytes_, *at + 30, 2);
    const uint64_t comment = Read(bytes_, *at + 32, 2);
    uint64_t local = Read(bytes_, *at + 42, 4);
    const uint64_t length = 46 + name + extra + comment;
    if (length > cd_end - *at) {
      return Bad(absl::StrCat(which, ": runs past the central directory"));
    }
    // ZIP64 extra field: the 64-bit values of the fields set to all ones.
    for (uint64_t x = *at + 46 + name; x + 4 <= *at + 46 + name + extra;) {
      const uint64_t id = Read(bytes_, x, 2), size = Read(bytes_, x + 2, 2);
      if (x + 4 + size > *at + 46 + name + extra) {
        return Bad(absl::StrCat(which, ": an extra field runs past its entry"));
      }
      if (id == kZip64ExtraId) {
        uint64_t field = x + 4;
        for (uint64_t* value : {&uncompressed, &compressed, &local}) {
          if (*value != kMax32) continue;
          if (field + 8 > x + 4 + size) {
            return Bad(absl::StrCat(which, ": a short ZIP64 extra field"));
          }
          *value = Read(bytes_, field, 8);
          field += 8;
        }
      }
      x += 4 + size;
    }
    if (method != 0 && method != 8) {
      return Bad(absl::StrCat(which, ": compression method ", method));
    }
    if (method == 0 && compressed != uncompressed) {
      return Bad(absl::StrCat(which, ": stored sizes differ"));
    }
    if (local > data_end || data_end - local < 30 ||
        Read(bytes_, local, 4) != kLocalHeader) {
      return Bad(absl::StrCat(which, ": no local header"));
    }
    const uint64_t header =
        30 + Read(bytes_, local + 26, 2) + Read(bytes_, local + 28, 2);
    if (header > data_end - local || compressed > data_end - local - header) {
      return Bad(absl::StrCat(which, ": its data runs past the archive"));
    }
    // LibTorch's miniz is built without CRC checks: check them here, so a
    // changed byte is refused before the unpickler reads a size from it.
    const std::optional<Checksum> sum =
        ChecksumOf(bytes_.substr(local + header, compressed),
                   /*deflated=*/method == 8, /*max_length=*/uncompressed);
    if (!sum.has_value()) {
      return Bad(absl::StrCat(which, ": its deflated data does not inflate to ",
                              uncompressed, " bytes"));
    }
    if (sum->length != uncompressed) {
      return Bad(absl::StrCat(which, ": it inflates to ", sum->length,
                              " bytes, not the ", uncompressed, " declared"));
    }
    if (sum->crc != crc) {
      return Bad(absl::StrCat(which, ": CRC-32 mismatch (corrupt data)"));
    }
    *at += length;
    return absl::OkStatus();
  }

  const absl::string_view bytes_;
  const std::string& what_;
  uint64_t end_ = 0;
};

}  // namespace

absl::Status CheckZipStructure(absl::string_view bytes,
                               const std::string& what) {
  return Checker(bytes, what).Check();
}

}  // namespace wm
