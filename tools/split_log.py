#!/usr/bin/env python3
"""Cuts a CSV log into overlapping pieces of a fixed duration, so a held-out
run is scored from many starting points (tools/real_benchmark.sh).

Usage: split_log.py LOG.csv OUT_DIR --seconds S --stride D [--time_column time]
Writes OUT_DIR/<log>_pNN.csv, each with the header and the rows whose time
lies in [start, start + S), for start = first time, + D, ... while the piece
fits in the log.
"""
import argparse
import csv
import os


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("log")
    parser.add_argument("out_dir")
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--stride", type=float, required=True)
    parser.add_argument("--time_column", default="time")
    args = parser.parse_args()
    with open(args.log, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    if args.time_column not in header:
        raise SystemExit(f"{args.log}: no column '{args.time_column}'")
    column = header.index(args.time_column)
    times = [float(row[column]) for row in body]
    os.makedirs(args.out_dir, exist_ok=True)
    stem = os.path.splitext(os.path.basename(args.log))[0]
    start, piece = times[0], 0
    while start + args.seconds <= times[-1] + 1e-9:
        rows_in = [row for row, t in zip(body, times)
                   if start <= t < start + args.seconds]
        path = os.path.join(args.out_dir, f"{stem}_p{piece:02d}.csv")
        with open(path, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(header)
            writer.writerows(rows_in)
        piece += 1
        start += args.stride
    print(f"{args.log}: {piece} pieces of {args.seconds} s every {args.stride} s"
          f" -> {args.out_dir}")


if __name__ == "__main__":
    main()
