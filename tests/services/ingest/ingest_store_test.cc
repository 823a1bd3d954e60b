// The ingest store on its own: every validation refusal by name and
// counter, idempotent retries, the quota, journal replay after a restart,
// and a store that Dataset::Open reads consistently while it grows.

#include "services/ingest/ingest_store.h"

#include <atomic>
#include <cmath>
#include <functional>
#include <limits>
#include <thread>

#include "datasets/dataset.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/services/ingest/ingest_test_util.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace wm::services {
namespace {

using ::testing::HasSubstr;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

class IngestStoreTest : public ::testing::Test {
 protected:
  IngestStoreTest() : manifest_(testing::PushManifest()) {
    config_.set_store(temp_.Join("store"));
    config_.set_publish_seconds(3600);  // tests publish by PublishNow()
  }

  std::unique_ptr<IngestStore> OpenStore() {
    auto store = IngestStore::Open(config_, &manifest_);
    EXPECT_THAT(store, IsOk());
    return store.ok() ? *std::move(store) : nullptr;
  }

  // Accepts every chunk of `episode`; returns the first error, and counts
  // stored and duplicate chunks.
  absl::Status Send(IngestStore& store, const EpisodeUpload& episode,
                    int chunk_samples, int* stored = nullptr,
                    int* duplicate = nullptr) {
    auto chunks = ChunkEpisode(episode, chunk_samples);
    if (!chunks.ok()) return chunks.status();
    uint64_t ticket = 0;
    for (const v1::EpisodeChunk& chunk : *chunks) {
      auto outcome = store.Accept(chunk);
      if (!outcome.ok()) return outcome.status();
      ticket = std::max(ticket, outcome->ticket);
      if (stored != nullptr && !outcome->duplicate) ++*stored;
      if (duplicate != nullptr && outcome->duplicate) ++*duplicate;
    }
    return store.WaitDurable(ticket);
  }

  ::wm::testing::TempDir temp_;
  v1::DatasetManifest manifest_;
  v1::IngestConfig config_;
};

struct BadChunkCase {
  std::string name;
  std::function<void(v1::EpisodeChunk*)> spoil;
  absl::StatusCode code;
  std::string message;
  std::string reason;
};

TEST_F(IngestStoreTest, RefusesEachBadChunkByNameAndCountsIt) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  const EpisodeUpload good =
      testing::MakePushEpisode(manifest_, "r1", "e1", 10, 1);
  auto chunks = ChunkEpisode(good, 256);
  ASSERT_THAT(chunks, IsOk());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const int width = manifest_.spec().nq() + manifest_.spec().nv();
  const std::vector<BadChunkCase> cases = {
      {"robot id", [](auto* c) { c->set_robot_id("a b"); },
       absl::StatusCode::kInvalidArgument, "robot_id", "ids"},
      {"episode id", [](auto* c) { c->set_episode_id(""); },
       absl::StatusCode::kInvalidArgument, "episode_id", "ids"},
      {"scene", [](auto* c) { c->set_scene("toss"); },
       absl::StatusCode::kInvalidArgument, "scene 'toss'", "scene"},
      {"dt", [](auto* c) { c->set_dt(c->dt() * 2); },
       absl::StatusCode::kInvalidArgument, "dt", "dt"},
      {"no spec", [](auto* c) { c->clear_spec(); },
       absl::StatusCode::kInvalidArgument, "StateSpec", "spec"},
      {"other spec", [](auto* c) { c->mutable_spec()->set_nu(1); },
       absl::StatusCode::kInvalidArgument, "StateSpec", "spec"},
      {"sizes", [](auto* c) { c->mutable_states()->RemoveLast(); },
       absl::StatusCode::kInvalidArgument, "states", "sizes"},
      {"params", [](auto* c) { c->add_params(1.0); },
       absl::StatusCode::kInvalidArgument, "params", "params"},
      {"NaN", [=](auto* c) { c->set_states(3 * width + 1, nan); },
       absl::StatusCode::kInvalidArgument, "sample:3: qpos[1]", "not_finite"},
      {"Inf", [](auto* c) { c->set_actions(0, INFINITY); },
       absl::StatusCode::kInvalidArgument, "is Inf", "not_finite"},
      {"time repeats", [](auto* c) { c->set_times(2, c->times(1)); },
       absl::StatusCode::kInvalidArgument, "repeats", "time"},
      {"time off the grid",
       [](auto* c) { c->set_times(2, 0.5 * (c->times(1) + c->times(2))); },
       absl::StatusCode::kInvalidArgument, "not dt", "time"},
      {"hole", [](auto* c) { c->set_sequence(4); },
       absl::StatusCode::kFailedPrecondition, "expected chunk 0",
       "out_of_order"},
  };
  for (const BadChunkCase& bad : cases) {
    v1::EpisodeChunk chunk = (*chunks)[0];
    bad.spoil(&chunk);
    EXPECT_THAT(store->Accept(chunk),
                StatusIs(bad.code, HasSubstr(bad.message)))
        << bad.name;
  }
  // A quaternion off unit norm (the push box's free joint).
  for (const v1::Joint& joint : manifest_.spec().joints()) {
    if (joint.type() != v1::Joint::FREE) continue;
    v1::EpisodeChunk chunk = (*chunks)[0];
    chunk.set_states(joint.quaternion_offset(), 2.0);
    EXPECT_THAT(
        store->Accept(chunk),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("quaternion")));
  }
  const std::string page = store->RenderPrometheus();
  EXPECT_THAT(page, HasSubstr("wm_ingest_refused_total{reason=\"ids\"} 2"));
  EXPECT_THAT(page, HasSubstr("wm_ingest_refused_total{reason=\"time\"} 2"));
  EXPECT_THAT(page,
              HasSubstr("wm_ingest_refused_total{reason=\"not_finite\"} 2"));
  EXPECT_THAT(page,
              HasSubstr("wm_ingest_refused_total{reason=\"quaternion\"} 1"));
  EXPECT_THAT(page, HasSubstr("wm_ingest_chunks_total{result=\"stored\"} 0"));
  // The unspoilt chunk still goes in.
  EXPECT_THAT(Send(*store, good, 256), IsOk());
}

TEST_F(IngestStoreTest, StoresWhatWasSentOnceAcrossRetriesAndRestarts) {
  const EpisodeUpload episode =
      testing::MakePushEpisode(manifest_, "r1", "e1", 50, 2);
  {
    auto store = OpenStore();
    ASSERT_NE(store, nullptr);
    int stored = 0, duplicate = 0;
    // Half the episode, as a client that died mid-stream left it.
    auto chunks = ChunkEpisode(episode, 16);
    ASSERT_THAT(chunks, IsOk());
    for (int c = 0; c < 2; ++c)
      ASSERT_THAT(store->Accept((*chunks)[c]), IsOk());
    ASSERT_THAT(store->WaitDurable(2), IsOk());
    // The retry sends it all: 2 duplicates, 2 new.
    ASSERT_THAT(Send(*store, episode, 16, &stored, &duplicate), IsOk());
    EXPECT_EQ(stored, 2);
    EXPECT_EQ(duplicate, 2);
  }                          // closing publishes
  auto store = OpenStore();  // replays the (now empty) journal
  ASSERT_NE(store, nullptr);
  int stored = 0, duplicate = 0;
  ASSERT_THAT(Send(*store, episode, 16, &stored, &duplicate), IsOk());
  EXPECT_EQ(stored, 0);
  EXPECT_EQ(duplicate, 4);
  ASSERT_THAT(store->PublishNow(), IsOk());
  auto dataset = datasets::Dataset::Open(config_.store());
  ASSERT_THAT(dataset, IsOk());
  ASSERT_EQ((*dataset)->num_episodes(), 1);
  EXPECT_EQ((*dataset)->manifest().provenance().imported_files(0).file(),
            "r1/e1");
  auto shard = (*dataset)->ReadShard(0);
  ASSERT_THAT(shard, IsOk());
  const datasets::Episode& saved = (*shard)[0];
  ASSERT_EQ(saved.num_steps(), 49);
  const int nq = manifest_.spec().nq(), width = nq + manifest_.spec().nv();
  EXPECT_DOUBLE_EQ(saved.qpos[10 * nq + 1], episode.states[10 * width + 1]);
  EXPECT_DOUBLE_EQ(saved.qvel[48 * manifest_.spec().nv()],
                   episode.states[48 * width + nq]);
  EXPECT_DOUBLE_EQ(saved.ctrl[0], episode.actions[0]);
  EXPECT_NEAR(saved.time[49], 49 * manifest_.dt(), 1e-12);
  EXPECT_TRUE(std::isnan(saved.params[0]));
}

TEST_F(IngestStoreTest, UnfinishedEpisodesSurviveARestart) {
  const EpisodeUpload episode =
      testing::MakePushEpisode(manifest_, "r2", "e9", 40, 3);
  auto chunks = ChunkEpisode(episode, 10);
  ASSERT_THAT(chunks, IsOk());
  {
    auto store = OpenStore();
    ASSERT_NE(store, nullptr);
    for (int c = 0; c < 3; ++c)
      ASSERT_THAT(store->Accept((*chunks)[c]), IsOk());
    ASSERT_THAT(store->WaitDurable(3), IsOk());
  }
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  // Chunk 3 continues the replayed episode; chunk 1 is a duplicate.
  auto again = store->Accept((*chunks)[1]);
  ASSERT_THAT(again, IsOk());
  EXPECT_TRUE(again->duplicate);
  auto last = store->Accept((*chunks)[3]);
  ASSERT_THAT(last, IsOk());
  EXPECT_FALSE(last->duplicate);
  EXPECT_TRUE(last->complete);
  ASSERT_THAT(store->WaitDurable(last->ticket), IsOk());
  ASSERT_THAT(store->PublishNow(), IsOk());
  EXPECT_EQ(store->manifest().num_transitions(), 39);
}

TEST_F(IngestStoreTest, AFullQuotaIsResourceExhausted) {
  config_.set_quota_bytes(60000);
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  absl::Status status;
  int sent = 0;
  for (; sent < 100 && status.ok(); ++sent) {
    status = Send(*store,
                  testing::MakePushEpisode(manifest_, "r1",
                                           absl::StrCat("e", sent), 100, sent),
                  256);
  }
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kResourceExhausted,
                               HasSubstr("quota of 60000 bytes")));
  EXPECT_GT(sent, 1);
  EXPECT_THAT(store->RenderPrometheus(),
              HasSubstr("wm_ingest_refused_total{reason=\"quota\"} 1"));
}

TEST_F(IngestStoreTest, DatasetOpenSeesWholeEpisodesWhileTheStoreGrows) {
  config_.set_publish_seconds(0.01);
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int e = 0; e < 60; ++e) {
      EXPECT_THAT(Send(*store,
                       testing::MakePushEpisode(manifest_, "r1",
                                                absl::StrCat("e", e), 21, e),
                       8),
                  IsOk());
    }
    done = true;
  });
  int64_t last_seen = 0;
  int opened = 0;
  while (!done || last_seen < 60) {
    if (done) ASSERT_THAT(store->PublishNow(), IsOk());
    auto dataset = datasets::Dataset::Open(config_.store());
    ASSERT_THAT(dataset, IsOk());
    ++opened;
    const int64_t episodes = (*dataset)->num_episodes();
    ASSERT_GE(episodes, last_seen);
    EXPECT_EQ((*dataset)->manifest().num_transitions(), 20 * episodes);
    int64_t read = 0;
    ASSERT_THAT((*dataset)->ForEachEpisode([&](const datasets::Episode& e) {
      EXPECT_EQ(e.num_steps(), 20);
      ++read;
      return absl::OkStatus();
    }),
                IsOk());
    EXPECT_EQ(read, episodes);
    last_seen = episodes;
  }
  writer.join();
  EXPECT_EQ(last_seen, 60);
  EXPECT_GT(opened, 2);
}

}  // namespace
}  // namespace wm::services
