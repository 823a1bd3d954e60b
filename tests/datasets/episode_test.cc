#include "datasets/episode.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>

#include "tests/testing/status_matchers.h"
#include "tests/testing/test_episodes.h"

namespace wm::datasets {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using testing::MakeEpisode;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

TEST(EpisodeTest, WellFormedEpisodeIsValid) {
  const Episode episode = MakeEpisode(3, 5);
  EXPECT_EQ(episode.num_steps(), 5);
  EXPECT_THAT(episode.Validate(), IsOk());
}

TEST(EpisodeTest, NanParamsAreAllowed) {
  Episode episode = MakeEpisode(0, 2);
  episode.params[0] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THAT(episode.Validate(), IsOk());
}

TEST(EpisodeTest, NanInQposNamesEpisodeAndField) {
  Episode episode = MakeEpisode(7, 4);
  episode.qpos[9] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THAT(episode.Validate(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("episode 7"), HasSubstr("qpos[9]"))));
}

TEST(EpisodeTest, InfiniteTimeAndCtrlAreRejected) {
  Episode episode = MakeEpisode(1, 3);
  episode.time[2] = std::numeric_limits<double>::infinity();
  EXPECT_THAT(episode.Validate(), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr("time[2]")));
  episode = MakeEpisode(1, 3);
  episode.ctrl.back() = -std::numeric_limits<double>::infinity();
  EXPECT_THAT(episode.Validate(), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr("ctrl[5]")));
}

TEST(EpisodeTest, WrongSizesAreRejected) {
  Episode episode = MakeEpisode(2, 3);
  episode.qvel.pop_back();
  EXPECT_THAT(episode.Validate(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("episode 2"), HasSubstr("qvel"))));
  episode = MakeEpisode(2, 3);
  episode.ctrl.push_back(0.0);
  EXPECT_THAT(episode.Validate(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ctrl")));
}

TEST(EpisodeTest, EpisodeWithoutStepsIsRejected) {
  Episode empty;
  EXPECT_THAT(empty.Validate(), StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("at least one step")));
  Episode one_state = MakeEpisode(0, 0);
  EXPECT_EQ(one_state.num_steps(), 0);
  EXPECT_THAT(one_state.Validate(),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace wm::datasets
