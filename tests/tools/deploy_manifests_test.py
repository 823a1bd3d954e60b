"""Every Kubernetes manifest in deploy/ parses (python3-yaml), and every
flag it passes to `wm SUBCOMMAND` is one that `wm SUBCOMMAND --help` lists.

  deploy_manifests_test.py WM_BINARY DEPLOY_DIR

Commands are found in every container (and init container) of a pod
template, Job or Deployment, and in exec probes: an argv list `wm SUB
--flag...`, or a shell script (`sh -c SCRIPT`) in which each `wm SUB` runs
up to the next && ; | or ||. Flags are --name or --name=value. Exits 1 with
every unknown flag named, or when no manifest or no wm command was found.
"""

import glob
import os
import re
import shlex
import subprocess
import sys

import yaml

SHELLS = {"sh", "/bin/sh", "bash", "/bin/bash"}
SEPARATORS = {"&&", "||", ";", "|"}


def containers(node):
    """Every container-like mapping (has `image`) anywhere in `node`."""
    if isinstance(node, dict):
        if "image" in node and "name" in node:
            yield node
        for value in node.values():
            yield from containers(value)
    elif isinstance(node, list):
        for value in node:
            yield from containers(value)


def argvs(container):
    """The argv lists a container runs: its command + args, its probes'
    exec commands, and `sh -c` scripts split into words."""
    runs = [list(container.get("command", [])) + list(container.get("args",
                                                                     []))]
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        command = container.get(probe, {}).get("exec", {}).get("command")
        if command:
            runs.append(list(command))
    for argv in runs:
        argv = [str(word) for word in argv]
        if len(argv) >= 3 and argv[0] in SHELLS and argv[1] == "-c":
            yield shlex.split(" ".join(argv[2:]).replace(";", " ; "))
        else:
            yield argv


def wm_calls(argv):
    """(subcommand, [flag names]) of each `wm SUB ...` in argv."""
    for start, word in enumerate(argv):
        if os.path.basename(word) != "wm" or start + 1 >= len(argv):
            continue
        flags = []
        for token in argv[start + 2:]:
            if token in SEPARATORS:
                break
            if token.startswith("--"):
                flags.append(token[2:].split("=", 1)[0])
        yield argv[start + 1], flags


def main():
    wm, deploy = sys.argv[1], sys.argv[2]
    manifests = sorted(glob.glob(os.path.join(deploy, "*.yaml")) +
                       glob.glob(os.path.join(deploy, "*.yml")))
    if not manifests:
        sys.exit(f"no manifest in {deploy}")
    helps = {}
    problems, checked = [], 0
    for path in manifests:
        with open(path) as file:
            documents = [d for d in yaml.safe_load_all(file) if d]
        for document in documents:
            for field in ("apiVersion", "kind", "metadata"):
                if field not in document:
                    problems.append(f"{path}: a document without {field}")
            for container in containers(document):
                for argv in argvs(container):
                    for sub, flags in wm_calls(argv):
                        if sub not in helps:
                            run = subprocess.run([wm, sub, "--help"],
                                                 capture_output=True,
                                                 text=True)
                            helps[sub] = set(re.findall(
                                r"--([a-z_]+)", run.stdout + run.stderr))
                            if run.returncode != 0 or not helps[sub]:
                                problems.append(
                                    f"{path}: no subcommand 'wm {sub}'")
                        for flag in flags:
                            checked += 1
                            if flag not in helps[sub]:
                                problems.append(
                                    f"{path}: wm {sub} has no --{flag}")
    if checked == 0:
        problems.append("no wm flag found in any manifest")
    for problem in problems:
        print(problem)
    print(f"{len(manifests)} manifests, {checked} wm flags checked")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
