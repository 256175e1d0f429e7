#!/usr/bin/env bash
# Make the frozen day-0 forecasts of the Syria flagship and its Iran-war variant again, and
# score them against forecasts/observed-since-day0.yaml. See forecasts/README.md.
#
#   forecasts/make.sh                       # parameters drawn from the scenarios' priors
#   forecasts/make.sh results/posterior.csv # parameters drawn from a calibrated posterior
#
# Same inputs, same files, byte for byte: the issue date is fixed to day 0 (--issued) and
# the seed is 0. Set POSTURE to run another posture (default: the one on PATH).
set -euo pipefail
cd "$(dirname "$0")/.."
posture=${POSTURE:-posture}
params=()
if [ $# -gt 0 ]; then
  params=(--parameters "$1")
fi
for name in syria-2026 syria-2026-iran-war; do
  "$posture" forecast "scenarios/$name.yaml" -n 1000 --seed 0 --issued 2026-02-23 \
    ${params[@]+"${params[@]}"} --out "forecasts/$name"
  "$posture" score "forecasts/$name/forecast.json" \
    --observations forecasts/observed-since-day0.yaml --out "forecasts/$name/score"
done
