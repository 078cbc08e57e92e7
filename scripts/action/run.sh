#!/usr/bin/env bash
# The steps of the GitHub Action (action.yml) after teamlens is installed, one per argument:
#
#   run.sh plan     the month to report, where the report goes, the data cache's keys, and
#                   whether this run only fetches (TEAMLENS_FETCH_ONLY)
#   run.sh fetch    `teamlens fetch`: the organisations and repositories named, else the sources
#                   of teamlens.toml; incremental from the data directory the cache restored
#   run.sh report   `teamlens report` for the month, into the report folder
#   run.sh publish  `teamlens publish` to each target asked for: the month's issue, the step
#                   summary, Slack, a webhook; every target is tried, and any failure fails the step
#
# Every input comes from the environment, set by action.yml (never pasted into the script, so
# no input can inject shell): TEAMLENS_ORGANIZATION, TEAMLENS_REPOSITORIES (separated by spaces,
# commas or new lines), TEAMLENS_CONFIG, TEAMLENS_DATA_DIR, TEAMLENS_SINCE, TEAMLENS_WAIT,
# TEAMLENS_MONTH, TEAMLENS_REPORT_DIR, TEAMLENS_AUDIENCE, TEAMLENS_ANONYMIZE, TEAMLENS_TEAM and
# TEAMLENS_ISSUE_LABELS (one a line), TEAMLENS_ISSUE_REPOSITORY, TEAMLENS_STEP_SUMMARY,
# TEAMLENS_WEBHOOK_URL, SLACK_WEBHOOK_URL, TEAMLENS_LINK, TEAMLENS_DRY_RUN; TEAMLENS_TODAY
# (YYYY-MM-DD, default today in UTC) is the day the run counts months from.
set -euo pipefail

teamlens=${TEAMLENS_BIN:-teamlens}

say() { printf '%s\n' "$*" >&2; }
fail() {
    say "error: $*"
    exit 1
}
output() {
    if [ -n "${GITHUB_OUTPUT:-}" ]; then
        printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
    fi
    printf '%s=%s\n' "$1" "$2"
}

# `true` or `false` from a boolean input; anything else is refused, naming the input.
flag() {
    local name=$1 value=${2:-false}
    case "$value" in
    true | false) echo "$value" ;;
    *) fail "input $name is \`$value\`: give true or false" ;;
    esac
}

# The words of a list input: separated by spaces, commas or new lines.
words() { tr ', \t' '\n' <<<"${1:-}" | sed '/^$/d'; }
# The lines of a list input whose items may hold spaces (team names, labels).
lines() { sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' -e '/^$/d' <<<"${1:-}"; }

# The month before YYYY-MM.
previous_month() {
    local year=${1%-*} month=${1#*-}
    month=$((10#$month - 1))
    if [ "$month" -eq 0 ]; then
        month=12
        year=$((year - 1))
    fi
    printf '%04d-%02d\n' "$year" "$month"
}

# The month to report: the input, or the last full calendar month before today (UTC). Not
# `teamlens report`'s own default (the last full month in the data), which on the 2nd, when
# nothing was recorded on the 1st nor on the last day of the month before, is the month before
# last.
report_month() {
    local month=${TEAMLENS_MONTH:-}
    if [ -z "$month" ]; then
        month=$(previous_month "$(today_month)")
    fi
    [[ "$month" =~ ^[0-9]{4}-(0[1-9]|1[0-2])$ ]] ||
        fail "input month is \`$month\`: give YYYY-MM, such as 2026-10, or leave it empty for the last full month"
    echo "$month"
}

today_month() {
    local today=${TEAMLENS_TODAY:-$(date -u +%Y-%m-%d)}
    [[ "$today" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] || fail "TEAMLENS_TODAY is \`$today\`: give YYYY-MM-DD"
    echo "${today%-*}"
}

# The options every command takes, into the array `global`: the data directory and, when given,
# the configuration.
global_args() {
    global=(--data-dir "${TEAMLENS_DATA_DIR:-.teamlens}")
    if [ -n "${TEAMLENS_CONFIG:-}" ]; then
        [ -f "$TEAMLENS_CONFIG" ] || fail "input config names $TEAMLENS_CONFIG, which does not exist here (did the workflow check out the repository first?)"
        global+=(--config "$TEAMLENS_CONFIG")
    fi
}

plan() {
    local month run_month prefix fetch_only
    month=$(report_month)
    run_month=$(today_month)
    fetch_only=$(flag fetch-only "${TEAMLENS_FETCH_ONLY:-false}")
    # One cache line per workflow and job, so two workflows fetching different things never
    # share a data directory; a key per run under the month, restored by prefix: the newest
    # data directory of this month, else of any month, so every fetch is incremental.
    prefix=$(printf 'teamlens-data-%s-%s' "${GITHUB_WORKFLOW:-local}" "${GITHUB_JOB:-local}" | tr -c 'A-Za-z0-9._-' '_')
    output month "$month"
    output fetch-only "$fetch_only"
    output report-dir "${TEAMLENS_REPORT_DIR:-reports/$month}"
    output artifact-name "teamlens-report-$month"
    output cache-key "$prefix-$run_month-${GITHUB_RUN_ID:-0}-${GITHUB_RUN_ATTEMPT:-1}"
    if [ -n "${GITHUB_OUTPUT:-}" ]; then
        printf 'cache-restore-keys<<EOF\n%s\n%s\nEOF\n' "$prefix-$run_month-" "$prefix-" >>"$GITHUB_OUTPUT"
    fi
    printf 'cache-restore-keys=%s %s\n' "$prefix-$run_month-" "$prefix-"
}

fetch() {
    local -a global args repositories organizations
    local wait
    wait=$(flag wait "${TEAMLENS_WAIT:-true}")
    global_args
    args=("${global[@]}" fetch)
    mapfile -t repositories < <(words "${TEAMLENS_REPOSITORIES:-}")
    mapfile -t organizations < <(words "${TEAMLENS_ORGANIZATION:-}")
    if [ "${#repositories[@]}" -gt 0 ] || [ "${#organizations[@]}" -gt 0 ]; then
        args+=(github "${repositories[@]}")
        local org
        for org in "${organizations[@]}"; do args+=(--org "$org"); done
    elif [ -z "${TEAMLENS_CONFIG:-}" ] && [ ! -f teamlens.toml ]; then
        fail "nothing to fetch: give the organization or repositories input, or a teamlens.toml that lists [github] repositories or organizations (check the repository out first)"
    fi
    [ -z "${TEAMLENS_SINCE:-}" ] || args+=(--since "$TEAMLENS_SINCE")
    [ "$wait" = false ] || args+=(--wait)
    say "teamlens ${args[*]}"
    "$teamlens" "${args[@]}"
}

report() {
    local -a global args teams
    local month out anonymize
    month=$(report_month)
    anonymize=$(flag anonymize "${TEAMLENS_ANONYMIZE:-false}")
    out=${TEAMLENS_REPORT_DIR:-reports/$month}
    global_args
    args=("${global[@]}" report --month "$month" --out "$out" --audience "${TEAMLENS_AUDIENCE:-team}")
    [ "$anonymize" = false ] || args+=(--anonymize)
    mapfile -t teams < <(lines "${TEAMLENS_TEAM:-}")
    local team
    for team in "${teams[@]}"; do args+=(--team "$team"); done
    say "teamlens ${args[*]}"
    "$teamlens" "${args[@]}"
}

publish() {
    local month dir dry_run step_summary
    month=$(report_month)
    dir=${TEAMLENS_REPORT_DIR:-reports/$month}
    dry_run=$(flag dry-run "${TEAMLENS_DRY_RUN:-false}")
    step_summary=$(flag step-summary "${TEAMLENS_STEP_SUMMARY:-true}")
    local -a global common labels
    global_args
    common=(--report "$dir")
    [ -z "${TEAMLENS_LINK:-}" ] || common+=(--link "$TEAMLENS_LINK")
    [ "$dry_run" = false ] || common+=(--dry-run)
    local -a failed=()
    local published=0
    # Runs one `teamlens publish TARGET …`; a failure is said and counted, the others still run.
    run_target() {
        local name=$1
        shift
        published=$((published + 1))
        say "teamlens publish $name"
        "$teamlens" "${global[@]}" publish "$@" "${common[@]}" || failed+=("$name")
    }
    if [ -n "${TEAMLENS_ISSUE_REPOSITORY:-}" ]; then
        local -a issue=(github-issue "$TEAMLENS_ISSUE_REPOSITORY")
        mapfile -t labels < <(lines "${TEAMLENS_ISSUE_LABELS:-}")
        local label
        for label in "${labels[@]}"; do issue+=(--label "$label"); done
        run_target "github-issue $TEAMLENS_ISSUE_REPOSITORY" "${issue[@]}"
    fi
    [ "$step_summary" = false ] || run_target step-summary step-summary
    # The webhook URLs are credentials: teamlens reads them from SLACK_WEBHOOK_URL and
    # TEAMLENS_WEBHOOK_URL, so they are on no command line (process lists, logs).
    [ -z "${SLACK_WEBHOOK_URL:-}" ] || run_target slack slack
    [ -z "${TEAMLENS_WEBHOOK_URL:-}" ] || run_target webhook webhook
    if [ "$published" -eq 0 ]; then
        say "nothing to publish to (no issue-repository, step-summary false, no Slack or webhook URL): the report is in $dir and the artifact"
    fi
    if [ "${#failed[@]}" -gt 0 ]; then
        fail "publishing failed for: ${failed[*]} (each error is above)"
    fi
}

case "${1:-}" in
plan) plan ;;
fetch) fetch ;;
report) report ;;
publish) publish ;;
*) fail "usage: run.sh plan | fetch | report | publish" ;;
esac
