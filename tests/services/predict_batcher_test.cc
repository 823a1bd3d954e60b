// PredictBatcher on a real "mujoco" model of the slide scene: a lone call
// computes on the caller's thread, queued calls share one model call and
// each gets its own rows, a full queue refuses, expired calls are dropped,
// and destruction answers what is still queued.

#include "services/predict_batcher.h"

#include <atomic>
#include <cmath>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "services/model_manager.h"
#include "tests/services/test_server.h"

namespace wm::services {
namespace {

constexpr int kNx = 8, kNu = 2;  // slide: 4 joints, 2 force actuators
// A call of this many rows keeps MuJoCo busy for tens of milliseconds, long
// enough for the calls a test queues behind it.
constexpr int kLongRows = 8000;

class PredictBatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    worldmodel::RegisterMujocoModel(&factory_);
    testing::PublishSlideVersion(temp_.path(), "slide", 1);
    auto manager = ModelManager::Create(temp_.path(), &factory_, {});
    ASSERT_TRUE(manager.ok()) << manager.status();
    manager_ = std::move(manager).value();
    auto model = manager_->Get("slide", 0);
    ASSERT_TRUE(model.ok()) << model.status();
    model_ = std::move(model).value();
  }

  // `rows` slide states with distinct x velocities from `first_speed`.
  PredictCall Call(int rows, float first_speed = 0.5f) const {
    PredictCall call;
    call.model = model_;
    call.states = Tensor::Filled({rows, kNx});
    call.actions = Tensor::Filled({rows, kNu}, 10.0f);
    for (int r = 0; r < rows; ++r) {
      call.states.data[r * kNx + 4] = first_speed + 0.01f * r;
    }
    return call;
  }

  // Submits `call` on a new thread; its answer lands in `*answer` and
  // `*done` is notified.
  std::thread SubmitInBackground(PredictBatcher* batcher, PredictCall call,
                                 absl::StatusOr<worldmodel::Prediction>* answer,
                                 absl::Notification* done) const {
    return std::thread([=, call = std::move(call)]() mutable {
      batcher->Submit(std::move(call),
                      [answer, done](absl::StatusOr<worldmodel::Prediction> a) {
                        *answer = std::move(a);
                        done->Notify();
                      });
    });
  }

  ::wm::testing::TempDir temp_;
  worldmodel::ModelFactory factory_;
  std::unique_ptr<ModelManager> manager_;
  std::shared_ptr<const ServedModel> model_;
};

TEST_F(PredictBatcherTest, LoneCallComputesOnTheCallersThreadAtOnce) {
  PredictBatcher batcher({});
  const std::thread::id caller = std::this_thread::get_id();
  std::thread::id answered_on;
  absl::StatusOr<worldmodel::Prediction> answer;
  batcher.Submit(Call(3), [&](absl::StatusOr<worldmodel::Prediction> a) {
    answered_on = std::this_thread::get_id();
    answer = std::move(a);
  });
  EXPECT_EQ(answered_on, caller) << "the answer did not arrive before Submit "
                                    "returned, on the caller's thread";
  ASSERT_TRUE(answer.ok()) << answer.status();
  const PredictCall direct = Call(3);
  auto expected =
      model_->model->Predict(direct.states, direct.actions, direct.context);
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(answer->mean.data, expected->mean.data);
}

TEST_F(PredictBatcherTest, QueuedCallsShareOneModelCallAndKeepTheirRows) {
  std::mutex batches_mutex;
  std::vector<std::pair<int64_t, int>> batches;  // (rows, calls)
  BatcherOptions options;
  options.workers = 1;
  options.on_batch = [&](int64_t rows, int calls) {
    std::lock_guard<std::mutex> lock(batches_mutex);
    batches.emplace_back(rows, calls);
  };
  PredictBatcher batcher(options);
  absl::StatusOr<worldmodel::Prediction> long_answer;
  absl::Notification long_done;
  std::thread long_call =
      SubmitInBackground(&batcher, Call(kLongRows), &long_answer, &long_done);
  absl::SleepFor(absl::Milliseconds(50));  // the long call is computing
  constexpr int kQueued = 4;
  std::vector<absl::StatusOr<worldmodel::Prediction>> answers(kQueued);
  std::vector<absl::Notification> done(kQueued);
  for (int c = 0; c < kQueued; ++c) {
    batcher.Submit(Call(1, 1.0f + c),
                   [&, c](absl::StatusOr<worldmodel::Prediction> a) {
                     answers[c] = std::move(a);
                     done[c].Notify();
                   });
  }
  EXPECT_EQ(batcher.QueueDepth(), kQueued) << "the long call ended too soon";
  for (auto& notification : done) {
    ASSERT_TRUE(notification.WaitForNotificationWithTimeout(absl::Seconds(30)));
  }
  long_call.join();
  ASSERT_TRUE(long_answer.ok()) << long_answer.status();
  for (int c = 0; c < kQueued; ++c) {
    ASSERT_TRUE(answers[c].ok()) << answers[c].status();
    const PredictCall alone = Call(1, 1.0f + c);
    auto expected =
        model_->model->Predict(alone.states, alone.actions, alone.context);
    ASSERT_TRUE(expected.ok());
    ASSERT_EQ(answers[c]->mean.shape, (std::vector<int64_t>{1, kNx}));
    for (int i = 0; i < kNx; ++i) {
      EXPECT_NEAR(answers[c]->mean.data[i], expected->mean.data[i], 1e-6)
          << "call " << c << ", state " << i;
    }
  }
  std::lock_guard<std::mutex> lock(batches_mutex);
  ASSERT_EQ(batches.size(), 2u) << "the queued calls were not one batch";
  EXPECT_EQ(batches[1], std::make_pair(int64_t{kQueued}, kQueued));
}

TEST_F(PredictBatcherTest, FullQueueRefusesAndExpiredCallsAreDropped) {
  std::atomic<int> model_calls{0};
  BatcherOptions options;
  options.workers = 1;
  options.max_queued_calls = 1;
  options.on_batch = [&](int64_t, int) { ++model_calls; };
  PredictBatcher batcher(options);
  absl::StatusOr<worldmodel::Prediction> long_answer;
  absl::Notification long_done;
  std::thread long_call =
      SubmitInBackground(&batcher, Call(kLongRows), &long_answer, &long_done);
  absl::SleepFor(absl::Milliseconds(50));
  PredictCall short_lived = Call(1);
  short_lived.deadline = absl::Now() + absl::Milliseconds(5);
  absl::StatusOr<worldmodel::Prediction> expired;
  absl::Notification expired_done;
  batcher.Submit(std::move(short_lived),
                 [&](absl::StatusOr<worldmodel::Prediction> a) {
                   expired = std::move(a);
                   expired_done.Notify();
                 });
  absl::StatusOr<worldmodel::Prediction> refused;
  batcher.Submit(Call(1), [&](absl::StatusOr<worldmodel::Prediction> a) {
    refused = std::move(a);
  });
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted)
      << refused.status();
  ASSERT_TRUE(expired_done.WaitForNotificationWithTimeout(absl::Seconds(30)));
  long_call.join();
  EXPECT_TRUE(long_answer.ok()) << long_answer.status();
  EXPECT_EQ(expired.status().code(), absl::StatusCode::kDeadlineExceeded)
      << expired.status();
  EXPECT_EQ(model_calls, 1) << "the expired call was computed";
}

TEST_F(PredictBatcherTest, DestructionAnswersQueuedCallsUnavailable) {
  BatcherOptions options;
  options.workers = 1;
  auto batcher = std::make_unique<PredictBatcher>(options);
  absl::StatusOr<worldmodel::Prediction> long_answer, queued_answer;
  absl::Notification long_done;
  std::thread long_call = SubmitInBackground(batcher.get(), Call(kLongRows),
                                             &long_answer, &long_done);
  absl::SleepFor(absl::Milliseconds(50));
  batcher->Submit(Call(1), [&](absl::StatusOr<worldmodel::Prediction> a) {
    queued_answer = std::move(a);
  });
  batcher.reset();  // waits for the long call, answers the queued one
  EXPECT_TRUE(long_done.HasBeenNotified());
  EXPECT_TRUE(long_answer.ok()) << long_answer.status();
  EXPECT_EQ(queued_answer.status().code(), absl::StatusCode::kUnavailable)
      << queued_answer.status();
  long_call.join();
}

}  // namespace
}  // namespace wm::services
