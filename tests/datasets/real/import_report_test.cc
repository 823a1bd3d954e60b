#include "datasets/real/import_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace wm::datasets {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

v1::ImportedFile Imported(const std::string& name, int first, int episodes,
                          int transitions) {
  v1::ImportedFile file;
  file.set_file(name);
  file.set_first_episode(first);
  file.set_num_episodes(episodes);
  file.set_num_transitions(transitions);
  return file;
}

// a.csv one episode; b.csv split in three with ctrl[0] constant; c.csv
// refused.
ImportSummary ThreeFiles() {
  ImportSummary summary;
  summary.files.push_back(Imported("a.csv", 0, 1, 40));
  v1::ImportedFile split = Imported("runs/b.csv", 1, 3, 90);
  split.add_constant_entries("ctrl[0]");
  summary.files.push_back(split);
  v1::ImportedFile refused = Imported("c.csv", 0, 0, 0);
  refused.set_refused("c.csv:7: qpos[2] (column 'z_m') is NaN");
  summary.files.push_back(refused);
  summary.files_imported = 2;
  summary.files_refused = 1;
  summary.episodes = 4;
  summary.transitions = 130;
  summary.gaps_split = 2;
  return summary;
}

TEST(ImportReportTest, TableListsEveryFileWithItsEpisodesAndNotes) {
  EXPECT_EQ(ImportTable(ThreeFiles(), 50),
            "file                         episodes          steps  notes\n"
            "a.csv                        0                    40  \n"
            "runs/b.csv                   1..3                 90  split at 2 "
            "gaps; ctrl[0] constant (constant_when_all_zero)\n"
            "c.csv                        -                     -  refused\n");
}

TEST(ImportReportTest, LongTablesListOnlyNotableFiles) {
  const std::string table = ImportTable(ThreeFiles(), 2);
  EXPECT_THAT(table, Not(HasSubstr("a.csv")));
  EXPECT_THAT(table, HasSubstr("runs/b.csv"));
  EXPECT_THAT(table, HasSubstr("c.csv"));
  EXPECT_THAT(table, HasSubstr("(1 more files imported as one episode each"));
  ImportSummary plain;
  plain.files = {Imported("a.csv", 0, 1, 40), Imported("b.csv", 1, 1, 40)};
  EXPECT_EQ(ImportTable(plain, 1),
            "(2 more files imported as one episode each; the full file -> "
            "episode table is in the manifest's provenance: wm inspect)\n");
}

TEST(ImportReportTest, TotalsNameTheCountsAndEachRefusal) {
  EXPECT_EQ(ImportTotals(ThreeFiles(), 0.002, "out/dp", 1.26),
            "imported 2 of 3 files: 4 episodes, 130 transitions (dt 0.002 s) "
            "-> out/dp in 1.3 s\n"
            "gaps: 0 interpolated, 2 split; 0 short pieces dropped; 0 "
            "quaternions renormalised\n"
            "refused 1 file:\n"
            "  c.csv:7: qpos[2] (column 'z_m') is NaN\n");
  ImportSummary none;
  v1::ImportedFile refused = Imported("c.csv", 0, 0, 0);
  refused.set_refused("c.csv:1: missing column 'q'");
  none.files.push_back(refused);
  none.files_refused = 1;
  EXPECT_THAT(ImportTotals(none, 0.1, "x", 0),
              HasSubstr("refused 1 file:\n  c.csv:1: missing column 'q'\n"
                        "no file imported: nothing written\n"));
}

}  // namespace
}  // namespace wm::datasets
