#include "worldmodel/learned/distributed_group.h"

// USE_C10D_GLOO, which this header needs, comes with LibTorch's CMake
// flags (TORCH_CXX_FLAGS).
#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <string>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "util/logging.h"

namespace wm::worldmodel {

struct DistributedGroup::Members {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
};

namespace {

std::chrono::milliseconds Milliseconds(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

bool IsLoopback(const std::string& address) {
  return address == "localhost" || address.rfind("127.", 0) == 0 ||
         address == "::1";
}

// The Gloo transport device: on loopback when rank 0 is on loopback (a run
// on one machine), else on the address this machine's hostname resolves to.
std::shared_ptr<gloo::transport::Device> TransportDevice(
    const DistributedOptions& options) {
  if (IsLoopback(options.master_addr)) {
    return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  }
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

}  // namespace

absl::StatusOr<std::unique_ptr<DistributedGroup>> DistributedGroup::Connect(
    const DistributedOptions& options) {
  auto members = std::make_unique<Members>();
  const std::string where =
      absl::StrCat(options.master_addr, ":", options.master_port);
  try {
    c10d::TCPStoreOptions store_options;
    store_options.port = static_cast<uint16_t>(options.master_port);
    store_options.isServer = options.rank == 0;
    store_options.numWorkers = options.world_size;
    store_options.waitWorkers = true;
    store_options.timeout = Milliseconds(options.timeout_seconds);
    members->store =
        c10::make_intrusive<c10d::TCPStore>(options.master_addr, store_options);
    auto group_options =
        c10d::ProcessGroupGloo::Options::create(store_options.timeout);
    group_options->devices.push_back(TransportDevice(options));
    group_options->threads = 1;
    members->group = c10::make_intrusive<c10d::ProcessGroupGloo>(
        members->store, options.rank, options.world_size, group_options);
  } catch (const std::exception& error) {
    return absl::UnavailableError(absl::StrFormat(
        "rank %d of %d could not form the group at %s within the timeout of "
        "%g s (--distributed_timeout; is every rank started with the same "
        "--master, and rank 0's port free?): %s",
        options.rank, options.world_size, where, options.timeout_seconds,
        error.what()));
  }
  return std::unique_ptr<DistributedGroup>(
      new DistributedGroup(options, std::move(members)));
}

DistributedGroup::DistributedGroup(const DistributedOptions& options,
                                   std::unique_ptr<Members> members)
    : options_(options), members_(std::move(members)) {}

DistributedGroup::~DistributedGroup() = default;

absl::Status DistributedGroup::SumInPlace(at::Tensor& values) {
  std::vector<at::Tensor> tensors = {values};
  const auto start = std::chrono::steady_clock::now();
  try {
    members_->group->allreduce(tensors)->wait();
  } catch (const std::exception& error) {
    return absl::UnavailableError(absl::StrFormat(
        "rank %d of %d: the gradient all-reduce failed: another rank died or "
        "did not take part within the timeout of %g s "
        "(--distributed_timeout): %s",
        options_.rank, options_.world_size, options_.timeout_seconds,
        error.what()));
  }
  ++sums_.calls;
  sums_.values = values.numel();
  sums_.seconds +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return absl::OkStatus();
}

void DistributedGroup::LogSumStatistics(double training_seconds) const {
  LOG(INFO) << "rank " << options_.rank << " of " << options_.world_size << ": "
            << sums_.calls << " gradient all-reduces of " << sums_.values
            << " floats, mean "
            << 1e3 * sums_.seconds / std::max<int64_t>(1, sums_.calls)
            << " ms per step, " << 100 * sums_.seconds / training_seconds
            << "% of " << training_seconds << " s of training";
}

absl::Status DistributedGroup::BroadcastFromRankZero(at::Tensor& values) {
  std::vector<at::Tensor> tensors = {values};
  try {
    members_->group->broadcast(tensors)->wait();
  } catch (const std::exception& error) {
    return absl::UnavailableError(absl::StrFormat(
        "rank %d of %d: a broadcast from rank 0 failed: another rank died or "
        "did not take part within the timeout of %g s "
        "(--distributed_timeout): %s",
        options_.rank, options_.world_size, options_.timeout_seconds,
        error.what()));
  }
  return absl::OkStatus();
}

namespace {

// The message tags of SendBytes: a transfer's size, then its bytes.
constexpr int kSizeTag = 1;
constexpr int kBytesTag = 2;

// Milliseconds left until `deadline`, at least 1.
std::chrono::milliseconds Left(std::chrono::steady_clock::time_point deadline) {
  return std::max(std::chrono::milliseconds(1),
                  std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now()));
}

}  // namespace

absl::Status DistributedGroup::TransferError(int peer, const std::string& what,
                                             const std::string& error) const {
  return absl::UnavailableError(absl::StrFormat(
      "rank %d of %d: %s failed: rank %d died or did not take part within "
      "the time budget plus the timeout of %g s (--distributed_timeout): %s",
      options_.rank, options_.world_size, what, peer, options_.timeout_seconds,
      error));
}

absl::Status DistributedGroup::SendBytes(
    int to, const std::string& bytes,
    std::chrono::steady_clock::time_point deadline, const std::string& what) {
  std::vector<at::Tensor> size = {
      at::full({1}, static_cast<int64_t>(bytes.size()), at::kLong)};
  std::vector<at::Tensor> payload = {
      at::empty({static_cast<int64_t>(bytes.size())}, at::kByte)};
  std::copy(bytes.begin(), bytes.end(),
            static_cast<char*>(payload[0].data_ptr()));
  try {
    if (!members_->group->send(size, to, kSizeTag)->wait(Left(deadline)) ||
        !members_->group->send(payload, to, kBytesTag)->wait(Left(deadline))) {
      return TransferError(to, what, "timed out");
    }
  } catch (const std::exception& error) {
    return TransferError(to, what, error.what());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> DistributedGroup::ReceiveBytes(
    int from, std::chrono::steady_clock::time_point deadline,
    const std::string& what) {
  std::vector<at::Tensor> size = {at::zeros({1}, at::kLong)};
  try {
    if (!members_->group->recv(size, from, kSizeTag)->wait(Left(deadline))) {
      return TransferError(from, what, "timed out");
    }
    std::vector<at::Tensor> payload = {
        at::empty({size[0].item<int64_t>()}, at::kByte)};
    if (!members_->group->recv(payload, from, kBytesTag)
             ->wait(Left(deadline))) {
      return TransferError(from, what, "timed out");
    }
    const char* data = static_cast<const char*>(payload[0].data_ptr());
    return std::string(data, data + payload[0].numel());
  } catch (const std::exception& error) {
    return TransferError(from, what, error.what());
  }
}

}  // namespace wm::worldmodel
