#ifndef WM_UTIL_JSON_WRITER_H_
#define WM_UTIL_JSON_WRITER_H_

// The one way wm writes JSON (reports, metrics.jsonl lines): strict JSON
// that any parser reads. Numbers carry 10 significant digits; a non-finite
// number (NaN, +-inf) is written as null, never as `nan` or `Infinity`;
// strings are escaped (quotes, backslashes, control characters).
//
//   JsonWriter json;
//   json.BeginObject().Key("model").String("push").Key("loss").Number(0.5);
//   json.Key("horizons").BeginArray().Int(10).Int(50).EndArray();
//   json.EndObject();
//   WriteFileAtomically(path, json.str() + "\n");
//
// Pretty output puts each object member, and each array element that is an
// object, on a line of its own, indented by two spaces per level; other
// arrays stay on one line. Compact output is one line (for JSON Lines).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wm {

// `value` as a JSON number with 10 significant digits, or null when it is
// not finite.
std::string JsonNumber(double value);

// `text` as a JSON string literal, quotes included.
std::string JsonString(std::string_view text);

// Writes one JSON value incrementally. Calls must form valid JSON: a Key
// before every value inside an object, none inside an array (CHECKed).
// Not thread-safe.
class JsonWriter {
 public:
  enum class Style { kPretty, kCompact };
  explicit JsonWriter(Style style = Style::kPretty) : style_(style) {}

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  // The next member's name (inside an object only).
  JsonWriter& Key(std::string_view key);
  JsonWriter& Number(double value);  // null when not finite
  JsonWriter& Int(int64_t value);
  JsonWriter& Bool(bool value);
  JsonWriter& String(std::string_view text);
  JsonWriter& Null();
  // An array of numbers, on one line.
  JsonWriter& NumberArray(const std::vector<double>& values);

  // What has been written; complete once every Begin has its End.
  const std::string& str() const { return out_; }

 private:
  struct Level {
    bool object = false;
    int members = 0;
    bool multiline = false;  // any member or element on a line of its own
  };
  // Separates and indents before a value (or, in an object, its key).
  void BeforeValue(bool is_object);
  void Open(bool object, char bracket);
  void Close(bool object, char bracket);
  void NewLine(size_t depth);

  Style style_;
  std::string out_;
  std::vector<Level> levels_;
  bool key_pending_ = false;
};

}  // namespace wm

#endif  // WM_UTIL_JSON_WRITER_H_
