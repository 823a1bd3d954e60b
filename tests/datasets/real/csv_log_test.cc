#include "datasets/real/csv_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "util/file_util.h"

namespace wm::datasets {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

TEST(CsvLogTest, ParsesColumnsAndRemembersLineNumbers) {
  // Spaces, CRLF line ends and blank lines are allowed.
  absl::StatusOr<CsvLog> log =
      ParseCsvLog("t, a ,b\r\n0,1.5,-2\r\n\r\n0.1, 2e-3 ,3\n", "x.csv");
  ASSERT_THAT(log, IsOk());
  EXPECT_THAT(log->header, ElementsAre("t", "a", "b"));
  EXPECT_EQ(log->header_line, 1);
  ASSERT_EQ(log->num_rows(), 2);
  EXPECT_THAT(log->columns[1], ElementsAre(1.5, 2e-3));
  EXPECT_THAT(log->line, ElementsAre(2, 4));
  EXPECT_EQ(log->ColumnIndex("b"), 2);
  EXPECT_EQ(log->ColumnIndex("c"), -1);
  EXPECT_EQ(log->Where(1), "x.csv:4");
}

TEST(CsvLogTest, KeepsNanAndInfForTheImporterToJudge) {
  absl::StatusOr<CsvLog> log = ParseCsvLog("a,b\nnan,inf\n", "x.csv");
  ASSERT_THAT(log, IsOk());
  EXPECT_TRUE(std::isnan(log->columns[0][0]));
  EXPECT_TRUE(std::isinf(log->columns[1][0]));
}

TEST(CsvLogTest, RowWithWrongCellCountNamesFileAndLine) {
  EXPECT_THAT(ParseCsvLog("a,b\n1,2\n3\n", "log.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("log.csv:3: 1 cells, the header has 2")));
}

TEST(CsvLogTest, NonNumberNamesFileLineAndColumn) {
  EXPECT_THAT(ParseCsvLog("a,b\n1,2\n3,oops\n", "log.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("log.csv:3: column 'b': 'oops' is not a "
                                 "number")));
}

TEST(CsvLogTest, BadHeadersAndEmptyTextAreRefused) {
  EXPECT_THAT(ParseCsvLog("a,a\n1,2\n", "h.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("h.csv:1: column 'a' repeated")));
  EXPECT_THAT(ParseCsvLog("\na,,b\n", "h.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("h.csv:2: empty column name")));
  EXPECT_THAT(ParseCsvLog("\n\n", "e.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("e.csv: empty file")));
}

TEST(CsvLogTest, ReadsFilesAndNamesThemBySource) {
  wm::testing::TempDir dir;
  ASSERT_THAT(WriteFileAtomically(dir.Join("r.csv"), "a\n1\nx\n"), IsOk());
  EXPECT_THAT(
      ReadCsvLog(dir.Join("r.csv"), "runs/r.csv"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("runs/r.csv:3")));
  EXPECT_THAT(ReadCsvLog(dir.Join("missing.csv")),
              StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace wm::datasets
