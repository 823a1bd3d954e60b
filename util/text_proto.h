#ifndef WM_UTIL_TEXT_PROTO_H_
#define WM_UTIL_TEXT_PROTO_H_

#include <google/protobuf/message.h>

#include <string>

#include "absl/status/status.h"

namespace wm {

// Parses `text` (protobuf text format) into `message`, which is cleared
// first. INVALID_ARGUMENT naming `source` (a file name or "--flag"), the line
// and column and the parser's complaint on error.
absl::Status ParseTextProto(const std::string& text, const std::string& source,
                            google::protobuf::Message* message);

// Reads the file at `path` and parses it as above. NOT_FOUND when the file
// does not exist.
absl::Status ReadTextProtoFile(const std::string& path,
                               google::protobuf::Message* message);

// Writes `message` in text format to `path` atomically.
absl::Status WriteTextProtoFile(const std::string& path,
                                const google::protobuf::Message& message);

}  // namespace wm

#endif  // WM_UTIL_TEXT_PROTO_H_
