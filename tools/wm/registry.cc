#include "tools/wm/subcommand.h"

namespace wm::tools {

int RunCompletion(const Invocation& invocation);
int RunDoctor(const Invocation& invocation);
int RunEval(const Invocation& invocation);
int RunExport(const Invocation& invocation);
int RunFleet(const Invocation& invocation);
int RunFlywheel(const Invocation& invocation);
int RunGen(const Invocation& invocation);
int RunImport(const Invocation& invocation);
int RunInspect(const Invocation& invocation);
int RunMerge(const Invocation& invocation);
int RunPlan(const Invocation& invocation);
int RunQuery(const Invocation& invocation);
int RunServe(const Invocation& invocation);
int RunIngest(const Invocation& invocation);
int RunUpload(const Invocation& invocation);
int RunSysid(const Invocation& invocation);
int RunTrain(const Invocation& invocation);

namespace {

// Data: generate, merge, import, inspect, export.
std::vector<Subcommand> DataSubcommands() {
  return {
      {"gen",
       "simulate randomised MuJoCo episodes into an HDF5 dataset",
       "wm gen --scene NAME|FILE.pbtxt --episodes N --steps T --seed S "
       "--workers W --out DIR [--overwrite] [--policy KIND] "
       "[--config FILE] [--shard K/N | --shard auto --shards N]",
       {{"config",
         "A wm.v1.GenerationConfig text proto; flags given override "
         "its fields."},
        "scene",
        {"episodes", "Episodes to simulate."},
        "steps",
        {"seed", "Base random seed: episode i is simulated from seed and i."},
        {"workers",
         "Worker threads (0: one per core, one when --shard is given). The "
         "output does not depend on it."},
        {"out", "The dataset directory to write (HDF5 shards, manifest)."},
        "overwrite",
        "policy",
        "episodes_per_shard",
        "shard",
        "shards"},
       RunGen},
      {"merge",
       "join the datasets of a sharded wm gen run (--shard K/N) into one",
       "wm merge --out DIR [--overwrite] DATASET...",
       {{"out",
         "The dataset directory to write: the unsharded run's dataset, "
         "byte for byte."},
        "overwrite"},
       RunMerge},
      {"import",
       "import real CSV logs (cube tosses, pendulum runs) into a dataset",
       "wm import --preset cube_toss|double_pendulum | --config FILE "
       "--in DIR|FILE.csv --out DIR [--overwrite] [--episodes_per_shard N]",
       {{"config",
         "A wm.v1.ImportConfig text proto: the logs' column "
         "mapping (instead of --preset)."},
        "preset",
        "in",
        {"out", "The dataset directory to write (HDF5 shards, manifest)."},
        "overwrite",
        "episodes_per_shard"},
       RunImport},
      {"inspect",
       "print a dataset's manifest, counts and parameter ranges",
       "wm inspect DIR",
       {},
       RunInspect},
      {"export",
       "write a dataset as offline-RL tools read it (D4RL layout, one HDF5)",
       "wm export --data DIR --out FILE.h5 [--format d4rl] "
       "[--split train|validation|test|all]",
       {"data",
        {"out", "The HDF5 file to write (atomically)."},
        "format",
        {"split",
         "The episodes exported: train, validation, test (the shards' "
         "split) or all.",
         "all"}},
       RunExport},
  };
}

// Models: train, evaluate, identify.
std::vector<Subcommand> ModelSubcommands() {
  return {
      {"train",
       "train a learned world model (physics, blackbox, hybrid or contact) "
       "on a dataset",
       "wm train --data DIR --out MODELS/NAME "
       "[--model physics|blackbox|hybrid|contact] [--config FILE] [--resume] "
       "[--max_steps N] [--ensemble_size K] [--init MODELS/PRETRAINED[/N]] "
       "[--base MODELS/MUJOCO[/N]|mujoco:DATA_DIR (hybrid, contact)] "
       "[--validation_data DIR] [--distributed [--rank R --world_size W "
       "--master ADDR:PORT] [--distribute auto|members|batch] "
       "[--distributed_timeout S]]",
       {{"config",
         "A wm.v1.TrainingConfig text proto; flags given override "
         "its fields."},
        "data",
        {"out",
         "MODELS/NAME: the trained model is published there as a new "
         "version."},
        {"model",
         "The kind to train: physics (default), blackbox, hybrid or "
         "contact."},
        "resume",
        {"seed", "Random seed of the initial weights and the minibatches."},
        "workers",
        "max_steps",
        "ensemble_size",
        "init",
        "base",
        "validation_data",
        "distributed",
        "rank",
        "world_size",
        "master",
        "distribute",
        "distributed_timeout"},
       RunTrain},
      {"eval",
       "score a model on a dataset's test split beside baselines",
       "wm eval --model MODELS/NAME[/N]|mujoco:DATA_DIR --data DIR "
       "[--baseline MODELS/OTHER] [--ood_data DIR] [--json OUT.json] "
       "[--config FILE] [--max_episodes N] [--split test|all] "
       "[--protocol acosta_toss [--baseline A,B,...]]",
       {{"config",
         "A wm.v1.EvalConfig text proto (horizons, the episodes' "
         "history); flags given override its fields."},
        {"model",
         "The model scored: MODELS/NAME (its latest version), "
         "MODELS/NAME/N, or mujoco:DATA_DIR (the dataset's scene at "
         "nominal parameters)."},
        "data",
        {"baseline",
         "Another model scored beside the built-in baselines, "
         "MODELS/NAME[/N] or mujoco:DATA_DIR; with --protocol "
         "acosta_toss a comma-separated list, each paired with "
         "the model."},
        "ood_data",
        {"json", "Where to write the JSON report."},
        {"max_episodes", "Score at most this many episodes (0: all)."},
        "split",
        "protocol"},
       RunEval},
      {"sysid",
       "fit named MuJoCo parameters to logged trajectories (CMA-ES, "
       "bootstrap intervals)",
       "wm sysid --scene NAME|FILE.pbtxt --data DIR --params a/q,b/q,... "
       "--json OUT.json [--out MODELS/NAME] [--holdout I,J|none] "
       "[--config SYSID.pbtxt] [--seed S] [--workers W] "
       "[--max_episodes N]",
       {{"config",
         "A wm.v1.SysidConfig text proto (objective, CMA-ES, "
         "bootstrap); flags given override its fields."},
        "scene",
        "data",
        "params",
        {"json",
         "Where to write the JSON report (estimates, intervals, "
         "per-episode errors)."},
        {"out",
         "MODELS/NAME: publish the fitted MuJoCo model there as a new "
         "version (servable, evaluable)."},
        "holdout",
        {"seed", "Seed of CMA-ES and the bootstrap."},
        "workers",
        {"max_episodes", "Fit at most this many episodes (0: all)."}},
       RunSysid},
  };
}

// Serving and use: serve, query, plan; the toolchain check and shell
// completion.
std::vector<Subcommand> ServingSubcommands() {
  return {
      {"serve",
       "serve model versions over gRPC (health, reflection, metrics)",
       "wm serve --models DIR [--host 127.0.0.1] [--port 50051] "
       "[--metrics_port P] [--metrics_address 127.0.0.1] "
       "[--tls_cert F --tls_key F] [--token_file F] [--insecure] "
       "[--ingest_store DIR [--scene S] [--quota_bytes N]] [--config FILE]",
       {{"config",
         "A wm.v1.ServerConfig text proto (batching, limits, "
         "threads); flags given override its fields."},
        "models",
        "host",
        "port",
        "metrics_port",
        "metrics_address",
        "tls_cert",
        "tls_key",
        {"token_file",
         "A file holding the bearer token every call must "
         "carry (else the WM_SERVE_TOKEN environment variable; "
         "neither: no token required)."},
        "insecure",
        "ingest_store",
        {"scene", "With --ingest_store: the scene a new store is for."},
        "quota_bytes"},
       RunServe},
      {"ingest",
       "serve an ingest store: robots upload episodes, it grows as a dataset",
       "wm ingest --store DIR [--scene push] [--port 50052] "
       "[--quota_bytes N] [--metrics_port P] [--tls_cert F --tls_key F] "
       "[--token_file F] [--insecure] [--config FILE]",
       {{"config",
         "A wm.v1.IngestConfig text proto (publishing, limits); "
         "flags given override its fields."},
        "store",
        {"scene",
         "The scene a new store is for (an existing one keeps its own)."},
        "quota_bytes",
        "host",
        {"port", "The port to listen on (0: a free one).", "50052"},
        "metrics_port",
        "metrics_address",
        "tls_cert",
        "tls_key",
        {"token_file",
         "A file holding the bearer token every upload must carry "
         "(else the WM_SERVE_TOKEN environment variable; neither: none)."},
        "insecure"},
       RunIngest},
      {"upload",
       "stream CSV logs to an ingest service; uploading again stores nothing "
       "twice",
       "wm upload --server HOST:PORT --preset NAME | --config FILE "
       "--in DIR|FILE.csv [--token_file F] [--tls_ca F] [--timeout S]",
       {"server",
        {"config",
         "A wm.v1.ImportConfig text proto: the logs' column mapping "
         "(instead of --preset), as wm import takes it."},
        "preset",
        {"in",
         "A directory of CSV logs (searched recursively) or one CSV file; "
         "its name is the robot id."},
        {"token_file",
         "A file holding the bearer token sent with each upload "
         "(else the WM_SERVE_TOKEN environment variable)."},
        "tls_ca",
        "timeout"},
       RunUpload},
      {"query",
       "ask a running wm serve: health, list, info, predict, rollout, infer",
       "wm query --server HOST:PORT[,HOST:PORT...] health | list | "
       "info --model NAME[/N] | "
       "predict|rollout|infer --request FILE.json [--model NAME[/N]] "
       "[--token_file F] [--tls_ca F] [--timeout S]",
       {"server",
        {"model",
         "A served model, NAME or NAME/N (0 or none: its default "
         "version)."},
        "request",
        {"token_file",
         "A file holding the bearer token sent with each call "
         "(else the WM_SERVE_TOKEN environment variable)."},
        "tls_ca",
        "timeout"},
       RunQuery},
      {"plan",
       "closed-loop planning in MuJoCo with served models and the oracle",
       "wm plan --server HOST:PORT[,HOST:PORT...] --scene push --model "
       "NAME[/N] "
       "[--baseline NAME] [--oracle] --episodes N --json OUT.json "
       "[--task FILE] [--config PLANNER.pbtxt] [--samples S] "
       "[--horizon H] [--iterations I] [--history_seconds S]",
       {{"config",
         "A wm.v1.PlannerConfig text proto (kind, samples, "
         "horizon, iterations, noise); flags given override its "
         "fields."},
        "server",
        "scene",
        {"model",
         "A served model to plan with, NAME or NAME/N; its row is "
         "labelled with this name."},
        {"baseline",
         "A second served model planned with beside --model, "
         "NAME or NAME/N."},
        "oracle",
        "oracle_samples",
        "oracle_episodes",
        {"episodes", "Episodes per planner (each a goal drawn from --seed)."},
        {"json",
         "Where to write the JSON report (per planner and per "
         "episode)."},
        "task",
        "samples",
        "horizon",
        "iterations",
        "history_seconds",
        {"seed", "Base seed of the episodes' goals and hidden parameters."}},
       RunPlan},
      {"flywheel",
       "keep fine-tuning a served model on a growing store; publish gated",
       "wm flywheel --data STORE --models MODELS/NAME [--config FILE] "
       "[--log FILE.jsonl] [--metrics_port P] [--max_cycles N]",
       {{"config",
         "A wm.v1.FlywheelConfig text proto (cycle size, held-out share, "
         "gate margin, fine-tuning config)."},
        {"data", "The store: an append-only dataset (wm ingest --store)."},
        {"models",
         "The served model MODELS/NAME; its latest version is fine-tuned "
         "and better candidates are published beside it."},
        "log",
        {"metrics_port",
         "Prometheus counters of the decisions on http://ADDRESS:PORT/"
         "metrics (0: off)."},
        "metrics_address",
        "max_cycles"},
       RunFlywheel},
      {"fleet",
       "simulate robots planning with the served model under drifting "
       "physics, uploading their logs",
       "wm fleet --robots N --scene push --server ADDR --model NAME "
       "[--ingest ADDR] --drift NAME=MIN:MAX,... [--drift_start S] "
       "[--drift_end S] [--seconds S] [--json OUT.jsonl] [--log "
       "FLYWHEEL.jsonl] [--post_drift_out DIR [--post_drift_until S]]",
       {"robots",
        "scene",
        {"server", "The wm serve the robots plan with."},
        {"model", "The served model to plan with, NAME (its newest version)."},
        "ingest",
        "drift",
        "drift_start",
        "drift_end",
        "seconds",
        "report_every",
        "post_drift_out",
        "post_drift_until",
        {"json", "Where to append the JSON lines (default: stdout)."},
        {"log",
         "The flywheel's decision log, for the published / refused "
         "counts in the reports."},
        "task",
        "samples",
        "horizon",
        "iterations",
        "history_seconds",
        {"seed", "Base seed of the robots' episodes."}},
       RunFleet},
      {"doctor",
       "check the toolchain this machine runs wm with (BLAS, versions)",
       "wm doctor",
       {},
       RunDoctor},
      {"completion",
       "print a shell completion script: source <(wm completion bash)",
       "wm completion bash",
       {},
       RunCompletion},
  };
}

}  // namespace

const std::vector<Subcommand>& AllSubcommands() {
  static const std::vector<Subcommand>* const kSubcommands = [] {
    auto* all = new std::vector<Subcommand>;
    for (auto group : {DataSubcommands, ModelSubcommands, ServingSubcommands}) {
      for (Subcommand& subcommand : group()) all->push_back(subcommand);
    }
    return all;
  }();
  return *kSubcommands;
}

}  // namespace wm::tools
