// Which members each rank trains when the ensemble is spread over the
// ranks, and which way a --distributed run shares its work
// (distributed_members.h). Training itself runs as processes in the ctest
// wm_cli.train_distributed_members.

#include "worldmodel/learned/distributed_members.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "tests/testing/status_matchers.h"

namespace wm::worldmodel {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::wm::testing::StatusIs;

TEST(SpreadOfRankTest, RoundRobinWithTheLeftOverShared) {
  // 5 members on 2 ranks: 0 and 2 on rank 0, 1 and 3 on rank 1, 4 shared.
  const MemberSpread rank0 = SpreadOfRank(5, 0, 2);
  const MemberSpread rank1 = SpreadOfRank(5, 1, 2);
  EXPECT_THAT(rank0.own, ElementsAre(0, 2));
  EXPECT_THAT(rank1.own, ElementsAre(1, 3));
  EXPECT_THAT(rank0.shared, ElementsAre(4));
  EXPECT_THAT(rank1.shared, ElementsAre(4));
  // As many members as ranks: one each, none shared.
  for (int rank = 0; rank < 4; ++rank) {
    const MemberSpread spread = SpreadOfRank(4, rank, 4);
    EXPECT_THAT(spread.own, ElementsAre(rank));
    EXPECT_THAT(spread.shared, IsEmpty());
  }
  // Any size: every member trained exactly once, the shared ones by all.
  for (int members = 1; members <= 9; ++members) {
    for (int world = 1; world <= members; ++world) {
      std::multiset<int> trained;
      std::vector<int> shared;
      for (int rank = 0; rank < world; ++rank) {
        const MemberSpread spread = SpreadOfRank(members, rank, world);
        trained.insert(spread.own.begin(), spread.own.end());
        if (rank == 0) shared = spread.shared;
        EXPECT_EQ(spread.shared, shared) << members << " on " << world;
        EXPECT_EQ(spread.own.size(), static_cast<size_t>(members / world));
      }
      trained.insert(shared.begin(), shared.end());
      EXPECT_EQ(trained.size(), static_cast<size_t>(members));
      EXPECT_EQ(std::set<int>(trained.begin(), trained.end()).size(),
                static_cast<size_t>(members))
          << members << " on " << world;
    }
  }
}

DistributedOptions Options(DistributeWork work, int world_size) {
  DistributedOptions options;
  options.enabled = true;
  options.world_size = world_size;
  options.work = work;
  return options;
}

// The work chosen, which must be valid.
DistributeWork Chosen(DistributeWork work, int world_size, int members,
                      int batch_size) {
  absl::StatusOr<DistributeWork> chosen =
      ChooseDistributeWork(Options(work, world_size), members, batch_size);
  EXPECT_THAT(chosen, ::wm::testing::IsOk());
  return chosen.value_or(DistributeWork::kAuto);
}

TEST(ChooseDistributeWorkTest, AutoSpreadsEnoughMembersAndRefusesTheRest) {
  EXPECT_EQ(Chosen(DistributeWork::kAuto, 2, 5, 128), DistributeWork::kMembers);
  EXPECT_EQ(Chosen(DistributeWork::kAuto, 2, 2, 128), DistributeWork::kMembers);
  EXPECT_EQ(Chosen(DistributeWork::kAuto, 2, 1, 128), DistributeWork::kBatch);
  EXPECT_EQ(Chosen(DistributeWork::kBatch, 2, 5, 128), DistributeWork::kBatch);
  EXPECT_THAT(
      ChooseDistributeWork(Options(DistributeWork::kMembers, 3), 2, 128),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("2 members cannot occupy 3 ranks")));
  // Batches split: each rank needs a window of each batch.
  EXPECT_THAT(ChooseDistributeWork(Options(DistributeWork::kBatch, 4), 5, 2),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("batch_size 2 is smaller than the world "
                                 "size 4")));
  // Spread with a member left over: it splits its batch too.
  EXPECT_THAT(ChooseDistributeWork(Options(DistributeWork::kAuto, 4), 5, 2),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("members left over")));
  // Spread evenly: no batch is split, any batch size will do.
  EXPECT_EQ(Chosen(DistributeWork::kAuto, 4, 4, 2), DistributeWork::kMembers);
}

}  // namespace
}  // namespace wm::worldmodel
