#ifndef WM_TOOLS_WM_FLAGS_H_
#define WM_TOOLS_WM_FLAGS_H_

// Every flag of the `wm` CLI, defined once in flags.cc and shared by the
// subcommands that list it (see subcommand.h).

#include <cstdint>
#include <string>

#include "absl/flags/declare.h"

ABSL_DECLARE_FLAG(std::string, config);
ABSL_DECLARE_FLAG(std::string, scene);
ABSL_DECLARE_FLAG(int64_t, episodes);
ABSL_DECLARE_FLAG(int64_t, steps);
ABSL_DECLARE_FLAG(uint64_t, seed);
ABSL_DECLARE_FLAG(int32_t, workers);
ABSL_DECLARE_FLAG(std::string, out);
ABSL_DECLARE_FLAG(bool, overwrite);
ABSL_DECLARE_FLAG(std::string, policy);
ABSL_DECLARE_FLAG(int64_t, episodes_per_shard);
ABSL_DECLARE_FLAG(std::string, shard);
ABSL_DECLARE_FLAG(int32_t, shards);
ABSL_DECLARE_FLAG(std::string, model);
ABSL_DECLARE_FLAG(std::string, data);
ABSL_DECLARE_FLAG(bool, resume);
ABSL_DECLARE_FLAG(bool, distributed);
ABSL_DECLARE_FLAG(int32_t, rank);
ABSL_DECLARE_FLAG(int32_t, world_size);
ABSL_DECLARE_FLAG(std::string, master);
ABSL_DECLARE_FLAG(std::string, distribute);
ABSL_DECLARE_FLAG(double, distributed_timeout);
ABSL_DECLARE_FLAG(int64_t, max_steps);
ABSL_DECLARE_FLAG(int32_t, ensemble_size);
ABSL_DECLARE_FLAG(std::string, baseline);
ABSL_DECLARE_FLAG(std::string, ood_data);
ABSL_DECLARE_FLAG(std::string, json);
ABSL_DECLARE_FLAG(std::string, protocol);
ABSL_DECLARE_FLAG(std::string, split);
ABSL_DECLARE_FLAG(std::string, init);
ABSL_DECLARE_FLAG(std::string, base);
ABSL_DECLARE_FLAG(std::string, validation_data);
ABSL_DECLARE_FLAG(int32_t, max_episodes);
ABSL_DECLARE_FLAG(std::string, models);
ABSL_DECLARE_FLAG(std::string, host);
ABSL_DECLARE_FLAG(int32_t, port);
ABSL_DECLARE_FLAG(int32_t, metrics_port);
ABSL_DECLARE_FLAG(std::string, metrics_address);
ABSL_DECLARE_FLAG(bool, insecure);
ABSL_DECLARE_FLAG(std::string, tls_cert);
ABSL_DECLARE_FLAG(std::string, tls_key);
ABSL_DECLARE_FLAG(std::string, token_file);
ABSL_DECLARE_FLAG(std::string, server);
ABSL_DECLARE_FLAG(std::string, tls_ca);
ABSL_DECLARE_FLAG(std::string, request);
ABSL_DECLARE_FLAG(double, timeout);
ABSL_DECLARE_FLAG(std::string, task);
ABSL_DECLARE_FLAG(bool, oracle);
ABSL_DECLARE_FLAG(int32_t, oracle_samples);
ABSL_DECLARE_FLAG(int32_t, oracle_episodes);
ABSL_DECLARE_FLAG(int32_t, samples);
ABSL_DECLARE_FLAG(int32_t, horizon);
ABSL_DECLARE_FLAG(int32_t, iterations);
ABSL_DECLARE_FLAG(double, history_seconds);
ABSL_DECLARE_FLAG(std::string, preset);
ABSL_DECLARE_FLAG(std::string, in);
ABSL_DECLARE_FLAG(std::string, params);
ABSL_DECLARE_FLAG(std::string, holdout);
ABSL_DECLARE_FLAG(std::string, format);
ABSL_DECLARE_FLAG(std::string, log);
ABSL_DECLARE_FLAG(int64_t, max_cycles);
ABSL_DECLARE_FLAG(int32_t, robots);
ABSL_DECLARE_FLAG(std::string, drift);
ABSL_DECLARE_FLAG(double, drift_start);
ABSL_DECLARE_FLAG(double, drift_end);
ABSL_DECLARE_FLAG(double, seconds);
ABSL_DECLARE_FLAG(double, report_every);
ABSL_DECLARE_FLAG(std::string, post_drift_out);
ABSL_DECLARE_FLAG(double, post_drift_until);
ABSL_DECLARE_FLAG(std::string, ingest);
ABSL_DECLARE_FLAG(std::string, store);
ABSL_DECLARE_FLAG(std::string, ingest_store);
ABSL_DECLARE_FLAG(int64_t, quota_bytes);

#endif  // WM_TOOLS_WM_FLAGS_H_
