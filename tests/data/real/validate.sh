#!/bin/sh
# Every detector on the real corpus: fetch each clone of manifest.tsv into its own store, then
# `teamlens validate` over all of them, each month reported as it stood at its end
# (docs/detectors.md, "Detectors on real histories"). The JSON it prints is assets/track_record.json, the record
# `teamlens explain` and every report's appendix quote; findings.tsv lists every finding for the
# reviewed sample (tests/data/real/validation_review.tsv).
#
#   tests/data/real/validate.sh TEAMLENS CLONES WORK
#
# TEAMLENS: a release build (target/release/teamlens); CLONES: where the clones are, laid out
# as <owner>+<name>/repo (the project's fetch tool brings them there: /work/.mirror); WORK: a
# folder for the stores and the output (reused: a store already there is fetched again, which
# reads only what is new).
set -eu
teamlens=$1 clones=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
stores=""
for repo in $(tail -n +2 "$here/manifest.tsv" | cut -f1); do
    name=$(echo "$repo" | tr / +)
    "$teamlens" -q fetch git "$clones/$name/repo" --data-dir "$work/$name"
    stores="$stores $work/$name"
done
# From 2017: eight years of each history (git/git's twenty would double the run).
# shellcheck disable=SC2086
"$teamlens" -q validate --from 2017-01 --format json --findings "$work/findings.tsv" $stores \
    > "$work/track_record.json"
"$teamlens" -q validate --record "$work/track_record.json" > "$work/validation.md"
echo "wrote $work/track_record.json, $work/validation.md and $work/findings.tsv"
