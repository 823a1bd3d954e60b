#ifndef WM_UTIL_RANDOM_H_
#define WM_UTIL_RANDOM_H_

#include <cmath>
#include <cstdint>
#include <random>

namespace wm {

// SplitMix64's finaliser: a bijective 64-bit mix.
inline uint64_t MixBits(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// The seed of episode `episode_index` of a run seeded with `base_seed`: the
// same for any number of workers.
inline uint64_t EpisodeSeed(uint64_t base_seed, int64_t episode_index) {
  return MixBits(MixBits(base_seed) ^ static_cast<uint64_t>(episode_index));
}

// A seeded generator whose draws depend only on the seed (no std::
// distributions, whose algorithms vary between standard libraries): the one
// random-number source of the project. Not thread-safe: one per thread or
// episode.
class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}

  // Uniform in [0, 1).
  double Uniform() { return (engine_() >> 11) * 0x1.0p-53; }
  // Uniform in [low, high).
  double Uniform(double low, double high) {
    return low + (high - low) * Uniform();
  }
  // Standard normal (Box-Muller).
  double Normal() {
    double u1 = Uniform();
    while (u1 <= 0.0) u1 = Uniform();
    const double u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  }
  // Uniform integer in [0, n), n >= 1, without modulo bias (rejection).
  uint64_t UniformIndex(uint64_t n) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;  // a multiple of n
    uint64_t bits = engine_();
    while (bits >= limit) bits = engine_();
    return bits % n;
  }
  uint64_t Bits() { return engine_(); }

 private:
  std::mt19937_64 engine_;
};

}  // namespace wm

#endif  // WM_UTIL_RANDOM_H_
