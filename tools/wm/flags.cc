#include "tools/wm/flags.h"

#include "absl/flags/flag.h"

ABSL_FLAG(std::string, config, "",
          "Text-proto config file; flags given on the command line override "
          "its fields.");
ABSL_FLAG(std::string, scene, "",
          "Built-in scene (slide, push, toss, double_pendulum) or a path to a "
          "scene .pbtxt.");
ABSL_FLAG(int64_t, episodes, 100, "Number of episodes.");
ABSL_FLAG(int64_t, steps, 100, "Control steps per episode.");
ABSL_FLAG(uint64_t, seed, 0, "Base random seed.");
ABSL_FLAG(int32_t, workers, 0,
          "Worker threads (0: one per core). The output does not depend on "
          "it.");
ABSL_FLAG(std::string, out, "", "Output directory.");
ABSL_FLAG(bool, overwrite, false, "Replace an existing output directory.");
ABSL_FLAG(std::string, policy, "",
          "Action policy: zero, uniform, smooth_noise, or empty for the "
          "scene's default (scripted pushes / throws).");
ABSL_FLAG(int64_t, episodes_per_shard, 256, "Episodes per HDF5 shard.");
ABSL_FLAG(std::string, shard, "",
          "Simulate only shard K of N of the run, K/N (0 <= K < N), or auto: "
          "K from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX, N from "
          "--shards. The shards' datasets join with wm merge.");
ABSL_FLAG(int32_t, shards, 0, "With --shard auto: the number of shards N.");
ABSL_FLAG(std::string, model, "", "The model (see the subcommand's help).");
ABSL_FLAG(std::string, data, "", "Dataset directory.");
ABSL_FLAG(bool, resume, false,
          "Continue an interrupted training from MODELS/NAME/.train.");
ABSL_FLAG(bool, distributed, false,
          "Data-parallel training over processes (docs/scale.md): each "
          "step's batch split over the ranks, gradients all-reduced.");
ABSL_FLAG(int32_t, rank, -1,
          "With --distributed: this process's rank (default $RANK, else "
          "$SLURM_PROCID).");
ABSL_FLAG(int32_t, world_size, -1,
          "With --distributed: the number of processes (default "
          "$WORLD_SIZE, else $SLURM_NTASKS).");
ABSL_FLAG(std::string, master, "",
          "With --distributed: ADDR:PORT where rank 0 meets the others "
          "(default $MASTER_ADDR:$MASTER_PORT).");
ABSL_FLAG(std::string, distribute, "auto",
          "With --distributed: members (spread the ensemble's members over "
          "the ranks), batch (split each step's batch) or auto (members when "
          "there are at least as many members as ranks).");
ABSL_FLAG(double, distributed_timeout, 60,
          "With --distributed: seconds a rank waits for the others to join "
          "and in each all-reduce before the run fails.");
ABSL_FLAG(int64_t, max_steps, 0,
          "Optimiser steps per ensemble member (0: the config's, default "
          "6000; physics 14000).");
ABSL_FLAG(int32_t, ensemble_size, 0,
          "Ensemble members (0: the config's, default 5).");
ABSL_FLAG(std::string, baseline, "",
          "Another model compared with --model (see the subcommand's help).");
ABSL_FLAG(std::string, ood_data, "",
          "A dataset generated outside the training ranges, for the "
          "spread comparison.");
ABSL_FLAG(std::string, json, "", "Where to write the JSON report.");
ABSL_FLAG(std::string, protocol, "",
          "A published protocol instead of the test-split report "
          "(acosta_toss: every episode of --data, the real cube tosses).");
ABSL_FLAG(std::string, init, "",
          "Fine-tune from this pretrained model (MODELS/NAME[/N]): "
          "its kind, sizes, history and normalisation are kept.");
ABSL_FLAG(std::string, base, "",
          "train --model hybrid or contact: the MuJoCo base, MODELS/NAME[/N] "
          "of kind mujoco (e.g. from wm sysid --out) or, for hybrid, "
          "mujoco:DATA_DIR (the dataset's scene at nominal values).");
ABSL_FLAG(std::string, validation_data, "",
          "Validate on every episode of this dataset (same state "
          "layout and dt as --data) and train on every episode of --data, "
          "instead of --data's own train / validation split (required by "
          "--model contact).");
ABSL_FLAG(std::string, split, "test",
          "The episodes scored: test (the test split) or all (a "
          "dataset held out whole, e.g. one real run).");
ABSL_FLAG(int32_t, max_episodes, 0, "Use at most this many episodes (0: all).");
ABSL_FLAG(std::string, models, "",
          "The models directory (MODELS/<name>/<N>/ versions).");
ABSL_FLAG(std::string, host, "127.0.0.1",
          "The address to listen on (loopback by default).");
ABSL_FLAG(int32_t, port, 50051, "The gRPC port (0 picks a free one).");
ABSL_FLAG(int32_t, metrics_port, 0,
          "Prometheus metrics on http://ADDRESS:PORT/metrics (0: off, "
          "-1: a free port).");
ABSL_FLAG(std::string, metrics_address, "127.0.0.1",
          "The address of the metrics page (loopback by default, "
          "whatever --host is).");
ABSL_FLAG(bool, insecure, false,
          "Allow a non-loopback --host without TLS and a token.");
ABSL_FLAG(std::string, tls_cert, "",
          "TLS certificate chain (PEM); with --tls_key.");
ABSL_FLAG(std::string, tls_key, "", "TLS private key (PEM).");
ABSL_FLAG(std::string, token_file, "",
          "A file holding the bearer token (else the WM_SERVE_TOKEN "
          "environment variable).");
ABSL_FLAG(std::string, server, "127.0.0.1:50051",
          "The wm serve to call: HOST:PORT, replicas as "
          "IP:PORT,IP:PORT,... or a gRPC URI (dns:///NAME:PORT); calls "
          "are balanced round-robin, and one a replica lost is retried.");
ABSL_FLAG(std::string, tls_ca, "", "PEM root certificates; TLS when set.");
ABSL_FLAG(std::string, request, "",
          "A proto3-JSON request file (PredictRequest, RolloutRequest "
          "or InferParametersRequest); - reads stdin.");
ABSL_FLAG(double, timeout, 30, "Seconds per call.");
ABSL_FLAG(std::string, task, "push_to_goal",
          "A built-in task (push_to_goal) or a task config file "
          "(wm.v1.TaskConfig text proto, ending in .pbtxt).");
ABSL_FLAG(bool, oracle, false,
          "Also plan with MuJoCo given each episode's true parameters.");
ABSL_FLAG(int32_t, oracle_samples, 32,
          "Samples per iteration of the oracle (MuJoCo rollouts are "
          "slow).");
ABSL_FLAG(int32_t, oracle_episodes, 0,
          "Episodes for the oracle (0: --episodes).");
ABSL_FLAG(int32_t, samples, 256, "Action sequences per iteration.");
ABSL_FLAG(int32_t, horizon, 30, "Planning horizon, steps.");
ABSL_FLAG(int32_t, iterations, 3, "Planner iterations per step.");
ABSL_FLAG(double, history_seconds, 1,
          "Seconds of the episode's observed history passed as the "
          "context of every plan (the model infers parameters from it).");
ABSL_FLAG(std::string, preset, "",
          "A built-in mapping config, cube_toss or double_pendulum "
          "(configs/import/, compiled into wm); or give --config FILE.");
ABSL_FLAG(std::string, in, "",
          "A directory of CSV logs (searched recursively, imported "
          "in sorted path order) or one CSV file. Default: the preset's "
          "logs in the real-data directory ($WM_REAL_DATA_DIR, else the "
          "repository's data/real, else <prefix>/share/wm/data/real).");
ABSL_FLAG(std::string, params, "",
          "The parameters to fit, comma-separated <element>/<quantity> "
          "names (shoulder/damping,lower/mass).");
ABSL_FLAG(std::string, holdout, "",
          "Episodes held out of the fit and scored: comma-separated "
          "indices, none, or empty for the dataset's test split.");
ABSL_FLAG(std::string, format, "d4rl",
          "The export format: d4rl (one HDF5 file of transitions, as "
          "offline-RL tools read it).");
ABSL_FLAG(std::string, log, "",
          "The decision log, one JSON line per decision "
          "(default MODELS/NAME/flywheel.jsonl).");
ABSL_FLAG(int64_t, max_cycles, 0,
          "Exit after this many decisions (0: run until "
          "killed).");
ABSL_FLAG(std::string, store, "",
          "The ingest store: a dataset directory that uploads join "
          "(created for --scene when new).");
ABSL_FLAG(std::string, ingest_store, "",
          "Also serve wm.v1.IngestService on the same port, into this "
          "store (docs/fleet.md).");
ABSL_FLAG(int64_t, quota_bytes, 0,
          "The ingest store's size limit in bytes; beyond it uploads are "
          "refused RESOURCE_EXHAUSTED (0: none).");
ABSL_FLAG(int32_t, robots, 4, "Simulated robots.");
ABSL_FLAG(std::string, drift, "",
          "Where the hidden parameters drift, NAME=MIN:MAX or "
          "NAME=VALUE, comma-separated (box_table/friction=0.05:0.07,"
          "box/mass=2.5:3).");
ABSL_FLAG(double, drift_start, 60,
          "Seconds into the run when the drift begins.");
ABSL_FLAG(double, drift_end, 120,
          "Seconds into the run when the drift is complete.");
ABSL_FLAG(double, seconds, 600, "The run's length in seconds.");
ABSL_FLAG(double, report_every, 15, "Seconds between report lines.");
ABSL_FLAG(std::string, post_drift_out, "",
          "Also write the post-drift episodes the ingest service "
          "acknowledged as a dataset here at the end (an offline "
          "reference's training data).");
ABSL_FLAG(double, post_drift_until, 0,
          "With --post_drift_out: only episodes acknowledged within this "
          "many seconds of the start (0: all).");
ABSL_FLAG(std::string, ingest, "",
          "The ingest service HOST:PORT (default: --server, "
          "wm serve --ingest_store).");
