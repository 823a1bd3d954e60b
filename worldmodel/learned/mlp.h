#ifndef WM_WORLDMODEL_LEARNED_MLP_H_
#define WM_WORLDMODEL_LEARNED_MLP_H_

// The multilayer perceptron every learned member is made of. Internal to
// the LibTorch target (includes torch headers).

#include <torch/torch.h>

#include <string>
#include <vector>

namespace wm::worldmodel {

// Linear layers with swish between them (none after the last).
class Mlp : public torch::nn::Module {
 public:
  Mlp(int input, const std::vector<int>& hidden, int output) {
    int width = input;
    for (size_t i = 0; i < hidden.size(); ++i) {
      layers_.push_back(register_module("layer" + std::to_string(i),
                                        torch::nn::Linear(width, hidden[i])));
      width = hidden[i];
    }
    layers_.push_back(register_module("layer" + std::to_string(hidden.size()),
                                      torch::nn::Linear(width, output)));
  }
  // Zeroes the output layer's weights and biases of outputs [first, first +
  // count), so those outputs start at exactly 0 whatever the input.
  void ZeroOutputs(int first, int count) {
    torch::NoGradGuard no_grad;
    layers_.back()->weight.narrow(0, first, count).zero_();
    layers_.back()->bias.narrow(0, first, count).zero_();
  }

  // x [N, input] -> [N, output]. Stacked (see StackFrom): x holds K blocks
  // of N / K rows, block k for member k.
  torch::Tensor forward(torch::Tensor x) {
    if (!stacked_weights_.empty()) return StackedForward(x);
    for (size_t i = 0; i < layers_.size(); ++i) {
      x = layers_[i]->forward(x);
      if (i + 1 < layers_.size()) x = x * torch::sigmoid(x);
    }
    return x;
  }

  // Makes this network compute the K `members` at once: their weights are
  // stacked into [K, in, out] tensors for batched matrix products, so an
  // ensemble costs one set of operations instead of K.
  void StackFrom(const std::vector<const Mlp*>& members) {
    stacked_weights_.clear();
    stacked_biases_.clear();
    for (size_t i = 0; i < layers_.size(); ++i) {
      std::vector<torch::Tensor> weights, biases;
      for (const Mlp* member : members) {
        weights.push_back(member->layers_[i]->weight.t());
        biases.push_back(member->layers_[i]->bias.unsqueeze(0));
      }
      stacked_weights_.push_back(torch::stack(weights).contiguous());
      stacked_biases_.push_back(torch::stack(biases).contiguous());
    }
  }

 private:
  torch::Tensor StackedForward(const torch::Tensor& input) {
    const int64_t members = stacked_weights_.front().size(0);
    torch::Tensor x = input.reshape({members, -1, input.size(1)});
    for (size_t i = 0; i < stacked_weights_.size(); ++i) {
      x = torch::baddbmm(stacked_biases_[i], x, stacked_weights_[i]);
      if (i + 1 < stacked_weights_.size()) x = x * torch::sigmoid(x);
    }
    return x.reshape({input.size(0), -1});
  }

  std::vector<torch::nn::Linear> layers_;
  // Stacked members' weights [K, in, out] and biases [K, 1, out], per layer.
  std::vector<torch::Tensor> stacked_weights_, stacked_biases_;
};

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_LEARNED_MLP_H_
