// JsonWriter: strict JSON (non-finite numbers as null, escaped strings),
// pretty and compact layouts, and misuse caught.

#include "util/json_writer.h"

#include <gtest/gtest.h>

#include <limits>

namespace wm {
namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(JsonWriterTest, NonFiniteNumbersAreNull) {
  EXPECT_EQ(JsonNumber(kNan), "null");
  EXPECT_EQ(JsonNumber(kInf), "null");
  EXPECT_EQ(JsonNumber(-kInf), "null");
  EXPECT_EQ(JsonNumber(0.1234567891234), "0.1234567891");
  EXPECT_EQ(JsonNumber(2.0), "2");
  EXPECT_EQ(JsonNumber(-1.5e-7), "-1.5e-07");
}

TEST(JsonWriterTest, StringsAreEscaped) {
  EXPECT_EQ(JsonString("a\"b\\c\nd\te\x01"), R"("a\"b\\c\nd\te\u0001")");
}

TEST(JsonWriterTest, PrettyPutsMembersAndObjectElementsOnLines) {
  JsonWriter json;
  json.BeginObject().Key("name").String("push").Key("loss").Number(kNan);
  json.Key("points").BeginArray();
  json.BeginArray().Number(1).Number(2).EndArray();
  json.BeginArray().Number(3).Number(4).EndArray();
  json.EndArray();
  json.Key("episodes").BeginArray();
  json.BeginObject().Key("seed").Int(7).Key("ok").Bool(true).EndObject();
  json.EndArray();
  json.Key("empty").BeginObject().EndObject();
  json.EndObject();
  EXPECT_EQ(json.str(),
            "{\n"
            "  \"name\": \"push\",\n"
            "  \"loss\": null,\n"
            "  \"points\": [[1, 2], [3, 4]],\n"
            "  \"episodes\": [\n"
            "    {\n"
            "      \"seed\": 7,\n"
            "      \"ok\": true\n"
            "    }\n"
            "  ],\n"
            "  \"empty\": {}\n"
            "}");
}

TEST(JsonWriterTest, CompactIsOneLine) {
  JsonWriter json(JsonWriter::Style::kCompact);
  json.BeginObject().Key("member").Int(0).Key("loss").Number(0.5);
  json.Key("terms").NumberArray({1, kInf}).Key("none").Null().EndObject();
  EXPECT_EQ(json.str(),
            R"({"member": 0, "loss": 0.5, "terms": [1, null], "none": null})");
}

TEST(JsonWriterDeathTest, ValueWithoutKeyInObjectIsCaught) {
  JsonWriter json;
  json.BeginObject();
  EXPECT_DEATH(json.Number(1), "needs a Key");
}

TEST(JsonWriterDeathTest, UnbalancedCloseIsCaught) {
  JsonWriter json;
  json.BeginArray();
  EXPECT_DEATH(json.EndObject(), "unbalanced");
}

}  // namespace
}  // namespace wm
