#include "datasets/hdf5_shard.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_episodes.h"
#include "util/file_util.h"

namespace wm::datasets {
namespace {

using ::testing::HasSubstr;
using testing::MakeEpisode;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;
using ::wm::testing::TempDir;

ShardContents TwoEpisodes() {
  ShardContents shard;
  shard.nq = 8;
  shard.nv = 7;
  shard.nu = 2;
  shard.num_params = 2;
  shard.episodes.push_back(MakeEpisode(4, 3));
  shard.episodes.push_back(MakeEpisode(6, 4));
  return shard;
}

// Exact equality: the shard stores float64 as given. NaN equals NaN here.
void ExpectSameValues(const std::vector<double>& actual,
                      const std::vector<double>& expected, const char* what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (size_t i = 0; i < actual.size(); ++i) {
    if (std::isnan(expected[i])) {
      EXPECT_TRUE(std::isnan(actual[i])) << what << "[" << i << "]";
    } else {
      EXPECT_EQ(actual[i], expected[i]) << what << "[" << i << "]";
    }
  }
}

void ExpectSameShard(const ShardContents& actual,
                     const ShardContents& expected) {
  EXPECT_EQ(actual.nq, expected.nq);
  EXPECT_EQ(actual.nv, expected.nv);
  EXPECT_EQ(actual.nu, expected.nu);
  EXPECT_EQ(actual.num_params, expected.num_params);
  ASSERT_EQ(actual.episodes.size(), expected.episodes.size());
  for (size_t e = 0; e < actual.episodes.size(); ++e) {
    const Episode& a = actual.episodes[e];
    const Episode& b = expected.episodes[e];
    EXPECT_EQ(a.index, b.index);
    EXPECT_EQ(a.nq, b.nq);
    EXPECT_EQ(a.nv, b.nv);
    EXPECT_EQ(a.nu, b.nu);
    ExpectSameValues(a.qpos, b.qpos, "qpos");
    ExpectSameValues(a.qvel, b.qvel, "qvel");
    ExpectSameValues(a.time, b.time, "time");
    ExpectSameValues(a.ctrl, b.ctrl, "ctrl");
    ExpectSameValues(a.params, b.params, "params");
  }
}

TEST(Hdf5ShardTest, RoundTripsValuesOffsetsAndNanParams) {
  TempDir dir;
  const std::string path = dir.Join("shard_00000.h5");
  const ShardContents shard = TwoEpisodes();
  ASSERT_THAT(WriteShardFile(path, shard), IsOk());
  absl::StatusOr<ShardContents> read = ReadShardFile(path);
  ASSERT_THAT(read, IsOk());
  ExpectSameShard(*read, shard);
  EXPECT_EQ(read->num_states(), 4 + 5);
  EXPECT_EQ(read->num_actions(), 3 + 4);
  EXPECT_TRUE(std::isnan(read->episodes[1].params[1]));
}

TEST(Hdf5ShardTest, ZeroActuatorsAndZeroParamsRoundTrip) {
  TempDir dir;
  const std::string path = dir.Join("shard.h5");
  ShardContents shard;
  shard.nq = 1;
  shard.nv = 1;
  shard.nu = 0;
  shard.num_params = 0;
  shard.episodes.push_back(MakeEpisode(0, 2, 1, 1, 0, 0));
  shard.episodes.push_back(MakeEpisode(1, 5, 1, 1, 0, 0));
  ASSERT_THAT(WriteShardFile(path, shard), IsOk());
  absl::StatusOr<ShardContents> read = ReadShardFile(path);
  ASSERT_THAT(read, IsOk());
  ExpectSameShard(*read, shard);
  EXPECT_EQ(read->episodes[1].num_steps(), 5);
}

TEST(Hdf5ShardTest, EmptyShardRoundTripsItsSizes) {
  TempDir dir;
  const std::string path = dir.Join("shard.h5");
  ShardContents shard;
  shard.nq = 3;
  shard.nv = 2;
  shard.nu = 1;
  shard.num_params = 4;
  ASSERT_THAT(WriteShardFile(path, shard), IsOk());
  absl::StatusOr<ShardContents> read = ReadShardFile(path);
  ASSERT_THAT(read, IsOk());
  ExpectSameShard(*read, shard);
}

TEST(Hdf5ShardTest, IdenticalInputGivesIdenticalBytes) {
  TempDir dir;
  ASSERT_THAT(WriteShardFile(dir.Join("a.h5"), TwoEpisodes()), IsOk());
  ASSERT_THAT(WriteShardFile(dir.Join("b.h5"), TwoEpisodes()), IsOk());
  absl::StatusOr<std::string> a = ReadFileToString(dir.Join("a.h5"));
  absl::StatusOr<std::string> b = ReadFileToString(dir.Join("b.h5"));
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  EXPECT_GT(a->size(), 0u);
  EXPECT_TRUE(*a == *b) << "the two shards differ in their bytes";
  // Rewriting over an existing file gives the same bytes too.
  ASSERT_THAT(WriteShardFile(dir.Join("a.h5"), TwoEpisodes()), IsOk());
  EXPECT_TRUE(*ReadFileToString(dir.Join("a.h5")) == *b);
}

TEST(Hdf5ShardTest, LeavesNoTemporaryFiles) {
  TempDir dir;
  ASSERT_THAT(WriteShardFile(dir.Join("shard.h5"), TwoEpisodes()), IsOk());
  int entries = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_EQ(entry.path().filename(), "shard.h5");
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

// Runs `command` and returns what it printed on stdout.
std::string RunAndCapture(const std::string& command) {
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return output;
  char buffer[4096];
  size_t count;
  while ((count = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    output.append(buffer, count);
  }
  pclose(pipe);
  return output;
}

TEST(Hdf5ShardTest, H5pyOpensTheShard) {
  TempDir dir;
  const std::string path = dir.Join("shard_00000.h5");
  ASSERT_THAT(WriteShardFile(path, TwoEpisodes()), IsOk());
  const std::string script =
      "import h5py, math\n"
      "f = h5py.File('" +
      path +
      "', 'r')\n"
      "for name in ['qpos', 'qvel', 'time', 'ctrl', 'state_offsets',\n"
      "             'action_offsets', 'episode_index', 'params']:\n"
      "    print(name, f[name].shape, f[name].dtype)\n"
      "print('offsets', list(f['state_offsets'][:]),"
      " list(f['action_offsets'][:]))\n"
      "print('index', list(f['episode_index'][:]))\n"
      "print('qpos[4,0]', f['qpos'][4, 0])\n"
      "print('nan', math.isnan(f['params'][1, 1]))\n";
  const std::string output =
      RunAndCapture("/usr/bin/python3 -c \"" + script + "\" 2>&1");
  EXPECT_THAT(output, HasSubstr("qpos (9, 8) float64"));
  EXPECT_THAT(output, HasSubstr("qvel (9, 7) float64"));
  EXPECT_THAT(output, HasSubstr("time (9,) float64"));
  EXPECT_THAT(output, HasSubstr("ctrl (7, 2) float64"));
  EXPECT_THAT(output, HasSubstr("state_offsets (3,) int64"));
  EXPECT_THAT(output, HasSubstr("action_offsets (3,) int64"));
  EXPECT_THAT(output, HasSubstr("episode_index (2,) int64"));
  EXPECT_THAT(output, HasSubstr("params (2, 2) float64"));
  EXPECT_THAT(output, HasSubstr("offsets [0, 4, 9] [0, 3, 7]"));
  EXPECT_THAT(output, HasSubstr("index [4, 6]"));
  // Row 4 is episode 6's first state: 6 * 100 + 0 + 0.01 * 0.
  EXPECT_THAT(output, HasSubstr("qpos[4,0] 600.0"));
  EXPECT_THAT(output, HasSubstr("nan True"));
}

TEST(Hdf5ShardTest, RejectsEpisodesThatDoNotMatchTheShard) {
  TempDir dir;
  ShardContents shard = TwoEpisodes();
  shard.episodes[1].params.pop_back();
  EXPECT_THAT(
      WriteShardFile(dir.Join("s.h5"), shard),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("episode 6")));
  shard = TwoEpisodes();
  shard.episodes[1].index = 4;
  EXPECT_THAT(WriteShardFile(dir.Join("s.h5"), shard),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("indices must increase")));
  EXPECT_FALSE(std::filesystem::exists(dir.Join("s.h5")));
}

TEST(Hdf5ShardTest, UnwritablePathIsAnErrorNamingIt) {
  TempDir dir;
  ASSERT_THAT(WriteFileAtomically(dir.Join("file"), "x"), IsOk());
  const std::string path = dir.Join("file/sub/shard.h5");
  EXPECT_THAT(WriteShardFile(path, TwoEpisodes()),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(path)));
}

}  // namespace
}  // namespace wm::datasets
