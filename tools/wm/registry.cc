#include "tools/wm/subcommand.h"

namespace wm::tools {

int RunDoctor(const Invocation& invocation);
int RunEval(const Invocation& invocation);
int RunGen(const Invocation& invocation);
int RunImport(const Invocation& invocation);
int RunInspect(const Invocation& invocation);
int RunPlan(const Invocation& invocation);
int RunQuery(const Invocation& invocation);
int RunServe(const Invocation& invocation);
int RunSysid(const Invocation& invocation);
int RunTrain(const Invocation& invocation);

namespace {

// Data: generate, import, inspect.
std::vector<Subcommand> DataSubcommands() {
  return {
      {"gen",
       "simulate randomised MuJoCo episodes into an HDF5 dataset",
       "wm gen --scene NAME|FILE.pbtxt --episodes N --steps T --seed S "
       "--workers W --out DIR [--overwrite] [--policy KIND] "
       "[--config FILE]",
       {"config", "scene", "episodes", "steps", "seed", "workers", "out",
        "overwrite", "policy", "episodes_per_shard"},
       RunGen},
      {"import",
       "import real CSV logs (cube tosses, pendulum runs) into a dataset",
       "wm import --preset cube_toss|double_pendulum | --config FILE "
       "--in DIR|FILE.csv --out DIR [--overwrite] [--episodes_per_shard N]",
       {"config", "preset", "in", "out", "overwrite", "episodes_per_shard"},
       RunImport},
      {"inspect",
       "print a dataset's manifest, counts and parameter ranges",
       "wm inspect DIR",
       {"config"},
       RunInspect},
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
       "[--validation_data DIR]",
       {"config", "data", "out", "model", "resume", "seed", "workers",
        "max_steps", "ensemble_size", "init", "base", "validation_data"},
       RunTrain},
      {"eval",
       "score a model on a dataset's test split beside baselines",
       "wm eval --model MODELS/NAME[/N]|mujoco:DATA_DIR --data DIR "
       "[--baseline MODELS/OTHER] [--ood_data DIR] [--json OUT.json] "
       "[--config FILE] [--max_episodes N] [--split test|all] "
       "[--protocol acosta_toss [--baseline A,B,...]]",
       {"config", "model", "data", "baseline", "ood_data", "json",
        "max_episodes", "split", "protocol"},
       RunEval},
      {"sysid",
       "fit named MuJoCo parameters to logged trajectories (CMA-ES, "
       "bootstrap intervals)",
       "wm sysid --scene NAME|FILE.pbtxt --data DIR --params a/q,b/q,... "
       "--json OUT.json [--out MODELS/NAME] [--holdout I,J|none] "
       "[--config SYSID.pbtxt] [--seed S] [--workers W] "
       "[--max_episodes N]",
       {"config", "scene", "data", "params", "json", "out", "holdout", "seed",
        "workers", "max_episodes"},
       RunSysid},
  };
}

// Serving and use: serve, query, plan; and the toolchain check.
std::vector<Subcommand> ServingSubcommands() {
  return {
      {"serve",
       "serve model versions over gRPC (health, reflection, metrics)",
       "wm serve --models DIR [--host 127.0.0.1] [--port 50051] "
       "[--metrics_port P] [--metrics_address 127.0.0.1] "
       "[--tls_cert F --tls_key F] [--token_file F] [--insecure] "
       "[--config FILE]",
       {"config", "models", "host", "port", "metrics_port", "metrics_address",
        "tls_cert", "tls_key", "token_file", "insecure"},
       RunServe},
      {"query",
       "ask a running wm serve: list, info, predict, rollout, infer",
       "wm query --server HOST:PORT list | info --model NAME[/N] | "
       "predict|rollout|infer --request FILE.json [--model NAME[/N]] "
       "[--token_file F] [--tls_ca F] [--timeout S]",
       {"config", "server", "model", "request", "token_file", "tls_ca",
        "timeout"},
       RunQuery},
      {"plan",
       "closed-loop planning in MuJoCo with served models and the oracle",
       "wm plan --server HOST:PORT --scene push --model NAME[/N] "
       "[--baseline NAME] [--oracle] --episodes N --json OUT.json "
       "[--task FILE] [--config PLANNER.pbtxt] [--samples S] "
       "[--horizon H] [--iterations I] [--history_seconds S]",
       {"config", "server", "scene", "model", "baseline", "oracle",
        "oracle_samples", "oracle_episodes", "episodes", "json", "task",
        "samples", "horizon", "iterations", "history_seconds", "seed"},
       RunPlan},
      {"doctor",
       "check the toolchain this machine runs wm with (BLAS, versions)",
       "wm doctor",
       {"config"},
       RunDoctor},
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
