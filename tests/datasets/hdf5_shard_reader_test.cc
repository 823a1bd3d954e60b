// ReadShardFile on damaged shards (hdf5_shard_reader.cc).

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cstdint>
#include <string>

#include "datasets/hdf5_shard.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_episodes.h"
#include "util/file_util.h"

namespace wm::datasets {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using testing::MakeEpisode;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;
using ::wm::testing::TempDir;

// Writes a valid three-episode shard at `path`.
void WriteValidShard(const std::string& path) {
  ShardContents shard;
  shard.nq = 8;
  shard.nv = 7;
  shard.nu = 2;
  shard.num_params = 2;
  for (int64_t index : {0, 1, 3}) {
    shard.episodes.push_back(MakeEpisode(index, 10));
  }
  ASSERT_THAT(WriteShardFile(path, shard), IsOk());
}

// Opens the shard read-write with HDF5 and applies `edit` to it.
template <typename Edit>
void EditShard(const std::string& path, Edit edit) {
  hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  edit(file);
  ASSERT_GE(H5Fclose(file), 0);
}

TEST(Hdf5ShardReaderTest, MissingFileIsNotFound) {
  TempDir dir;
  EXPECT_THAT(ReadShardFile(dir.Join("absent.h5")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("absent.h5")));
}

TEST(Hdf5ShardReaderTest, TruncatedFileIsDataLossNamingIt) {
  TempDir dir;
  const std::string path = dir.Join("shard_00000.h5");
  WriteValidShard(path);
  absl::StatusOr<std::string> bytes = ReadFileToString(path);
  ASSERT_THAT(bytes, IsOk());
  for (size_t keep : {bytes->size() / 2, bytes->size() - 8, size_t{100}}) {
    ASSERT_THAT(WriteFileAtomically(path, bytes->substr(0, keep)), IsOk());
    EXPECT_THAT(ReadShardFile(path),
                StatusIs(absl::StatusCode::kDataLoss, HasSubstr(path)))
        << "kept " << keep << " of " << bytes->size() << " bytes";
  }
}

TEST(Hdf5ShardReaderTest, NonHdf5FileIsDataLoss) {
  TempDir dir;
  const std::string path = dir.Join("shard.h5");
  ASSERT_THAT(WriteFileAtomically(path, std::string(4096, 'x')), IsOk());
  EXPECT_THAT(ReadShardFile(path),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr(path), HasSubstr("not a readable"))));
}

TEST(Hdf5ShardReaderTest, MissingDatasetIsDataLossNamingIt) {
  TempDir dir;
  const std::string path = dir.Join("shard.h5");
  WriteValidShard(path);
  EditShard(path, [](hid_t file) {
    ASSERT_GE(H5Ldelete(file, "action_offsets", H5P_DEFAULT), 0);
  });
  EXPECT_THAT(ReadShardFile(path),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr(path),
                             HasSubstr("missing dataset 'action_offsets'"))));
}

TEST(Hdf5ShardReaderTest, InconsistentOffsetsAreDataLoss) {
  TempDir dir;
  const std::string path = dir.Join("shard.h5");
  WriteValidShard(path);
  // Episode 1 claims 12 states instead of 11: the offsets no longer match
  // the action offsets.
  EditShard(path, [](hid_t file) {
    hid_t dataset = H5Dopen2(file, "state_offsets", H5P_DEFAULT);
    const int64_t offsets[4] = {0, 11, 23, 33};
    ASSERT_GE(H5Dwrite(dataset, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                       offsets),
              0);
    H5Dclose(dataset);
  });
  EXPECT_THAT(ReadShardFile(path),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr(path), HasSubstr("episode 1 has 12 "
                                                        "states"))));
  // Offsets that do not reach the number of rows.
  EditShard(path, [](hid_t file) {
    hid_t dataset = H5Dopen2(file, "state_offsets", H5P_DEFAULT);
    const int64_t offsets[4] = {0, 11, 22, 32};
    ASSERT_GE(H5Dwrite(dataset, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                       offsets),
              0);
    H5Dclose(dataset);
  });
  EXPECT_THAT(ReadShardFile(path),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("state_offsets ends at 32")));
}

TEST(Hdf5ShardReaderTest, DecreasingEpisodeIndexIsDataLoss) {
  TempDir dir;
  const std::string path = dir.Join("shard.h5");
  WriteValidShard(path);
  EditShard(path, [](hid_t file) {
    hid_t dataset = H5Dopen2(file, "episode_index", H5P_DEFAULT);
    const int64_t indices[3] = {0, 5, 3};
    ASSERT_GE(H5Dwrite(dataset, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                       indices),
              0);
    H5Dclose(dataset);
  });
  EXPECT_THAT(ReadShardFile(path), StatusIs(absl::StatusCode::kDataLoss,
                                            HasSubstr("episode_index[2] = 3")));
}

TEST(Hdf5ShardReaderTest, NonFiniteStateIsDataLossNamingTheField) {
  TempDir dir;
  const std::string path = dir.Join("shard.h5");
  WriteValidShard(path);
  EditShard(path, [](hid_t file) {
    hid_t dataset = H5Dopen2(file, "qvel", H5P_DEFAULT);
    std::vector<double> qvel(33 * 7, 0.0);
    qvel[11 * 7 + 2] = std::numeric_limits<double>::infinity();
    ASSERT_GE(H5Dwrite(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
                       H5P_DEFAULT, qvel.data()),
              0);
    H5Dclose(dataset);
  });
  EXPECT_THAT(ReadShardFile(path),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr("episode 1"), HasSubstr("qvel[2]"))));
}

}  // namespace
}  // namespace wm::datasets
