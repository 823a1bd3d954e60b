# Shared by the `wm train --distributed` CLI tests (source after
# cli_test_lib.sh).

# A free loopback port for a rank-0 rendezvous.
free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# max_abs_differences A1 B1 A2 B2 ...: for each pair of versions, the largest
# weight difference between them, one per line (one python3-torch start).
max_abs_differences() {
  /usr/bin/python3 - "$@" <<'PY'
import sys, torch
paths = sys.argv[1:]
for a_dir, b_dir in zip(paths[::2], paths[1::2]):
    a, b = torch.load(f"{a_dir}/weights.pt"), torch.load(f"{b_dir}/weights.pt")
    assert a.keys() == b.keys(), (sorted(a), sorted(b))
    print(max((a[k] - b[k]).abs().max().item() for k in a))
PY
}
