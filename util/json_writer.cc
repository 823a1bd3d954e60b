#include "util/json_writer.h"

#include <cmath>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "util/logging.h"

namespace wm {

std::string JsonNumber(double value) {
  if (!std::isfinite(value)) return "null";
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.10g", value);
  return buffer;
}

std::string JsonString(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof(buffer), "\\u%04x", c);
          out += buffer;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

void JsonWriter::NewLine(size_t depth) {
  out_ += "\n";
  out_.append(2 * depth, ' ');
}

void JsonWriter::BeforeValue(bool is_object) {
  if (levels_.empty()) return;
  Level& top = levels_.back();
  if (top.object) {
    CHECK(key_pending_) << "JsonWriter: a value in an object needs a Key";
    key_pending_ = false;
    return;
  }
  if (top.members++ > 0) out_ += ",";
  if (style_ == Style::kPretty && is_object) {
    NewLine(levels_.size());
    top.multiline = true;
  } else if (top.members > 1) {
    out_ += " ";
  }
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  CHECK(!levels_.empty() && levels_.back().object && !key_pending_)
      << "JsonWriter: Key outside an object or twice";
  Level& top = levels_.back();
  if (top.members++ > 0) out_ += ",";
  if (style_ == Style::kPretty) {
    NewLine(levels_.size());
    top.multiline = true;
  } else if (top.members > 1) {
    out_ += " ";
  }
  absl::StrAppend(&out_, JsonString(key), ": ");
  key_pending_ = true;
  return *this;
}

void JsonWriter::Open(bool object, char bracket) {
  BeforeValue(object);
  out_ += bracket;
  levels_.push_back(Level{object});
}

void JsonWriter::Close(bool object, char bracket) {
  CHECK(!levels_.empty() && levels_.back().object == object && !key_pending_)
      << "JsonWriter: unbalanced " << bracket;
  const bool multiline = levels_.back().multiline;
  levels_.pop_back();
  if (multiline) NewLine(levels_.size());
  out_ += bracket;
}

JsonWriter& JsonWriter::BeginObject() {
  Open(true, '{');
  return *this;
}
JsonWriter& JsonWriter::EndObject() {
  Close(true, '}');
  return *this;
}
JsonWriter& JsonWriter::BeginArray() {
  Open(false, '[');
  return *this;
}
JsonWriter& JsonWriter::EndArray() {
  Close(false, ']');
  return *this;
}

JsonWriter& JsonWriter::Number(double value) {
  BeforeValue(false);
  out_ += JsonNumber(value);
  return *this;
}
JsonWriter& JsonWriter::Int(int64_t value) {
  BeforeValue(false);
  absl::StrAppend(&out_, value);
  return *this;
}
JsonWriter& JsonWriter::Bool(bool value) {
  BeforeValue(false);
  out_ += value ? "true" : "false";
  return *this;
}
JsonWriter& JsonWriter::String(std::string_view text) {
  BeforeValue(false);
  out_ += JsonString(text);
  return *this;
}
JsonWriter& JsonWriter::Null() {
  BeforeValue(false);
  out_ += "null";
  return *this;
}
JsonWriter& JsonWriter::NumberArray(const std::vector<double>& values) {
  BeginArray();
  for (double value : values) Number(value);
  return EndArray();
}

}  // namespace wm
