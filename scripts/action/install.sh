#!/usr/bin/env bash
# Puts teamlens on PATH for the GitHub Action (action.yml), around a cache of the installed binary:
#
#   install.sh key      prints key=… for actions/cache: the runner's target, the version and a
#                       hash of the action's source, so a cached build is never an older one
#   install.sh install  the binary already restored from the cache; else the release archive for
#                       this runner, its SHA-256 checked against the release's .sha256 file; else,
#                       when the release has no archive for this runner (or none is published
#                       yet), a build of the action's own source with `cargo install --locked`
#
# What it reads comes from the environment, set by action.yml from its inputs (never pasted into
# the script, so no input can inject shell):
#   TEAMLENS_ACTION_DIR         the action's own files ($GITHUB_ACTION_PATH)
#   TEAMLENS_VERSION            a release tag (v0.2.0 or 0.2.0); empty: the version of the action's
#                               own Cargo.toml, so the binary matches the action it came with;
#                               `build`: build the action's source, whatever is released
#   TEAMLENS_ACTION_REPOSITORY  OWNER/NAME the action was used from; empty: read from the action's
#                               path (…/_actions/OWNER/NAME/REF), which the runner lays out so
#   TEAMLENS_INSTALL_ROOT       where bin/teamlens goes (default: $RUNNER_TOOL_CACHE/teamlens)
#   TEAMLENS_RELEASES_URL       where releases are downloaded from (default:
#                               $GITHUB_SERVER_URL/OWNER/NAME/releases/download)
#   CARGO                       the cargo to build with (default: cargo)
set -euo pipefail

action_dir=${TEAMLENS_ACTION_DIR:?TEAMLENS_ACTION_DIR must name the directory of the action}
install_root=${TEAMLENS_INSTALL_ROOT:-${RUNNER_TOOL_CACHE:-${HOME}/.cache}/teamlens}
cargo=${CARGO:-cargo}

say() { printf '%s\n' "$*" >&2; }
fail() {
    say "error: $*"
    exit 1
}
# A value for the next steps: to $GITHUB_OUTPUT in a workflow, to stdout otherwise.
output() {
    if [ -n "${GITHUB_OUTPUT:-}" ]; then
        printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
    fi
    printf '%s=%s\n' "$1" "$2"
}

# The target triple of the release archive that runs here (dist-workspace.toml's targets).
target_triple() {
    local os=${RUNNER_OS:-$(uname -s)} arch=${RUNNER_ARCH:-$(uname -m)}
    case "$os/$arch" in
    Linux/X64 | Linux/x86_64) echo x86_64-unknown-linux-musl ;;
    Linux/ARM64 | Linux/aarch64 | Linux/arm64) echo aarch64-unknown-linux-musl ;;
    macOS/X64 | Darwin/x86_64) echo x86_64-apple-darwin ;;
    macOS/ARM64 | Darwin/arm64) echo aarch64-apple-darwin ;;
    Windows/X64 | MINGW*/x86_64 | MSYS*/x86_64) echo x86_64-pc-windows-msvc ;;
    *) echo "none-$os-$arch" ;;
    esac
}

# The [package] version of the action's Cargo.toml.
package_version() {
    awk '/^\[/ { package = ($0 == "[package]") }
         package && /^version *=/ { gsub(/^version *= *"|".*$/, ""); print; exit }' \
        "$action_dir/Cargo.toml"
}

# The release tag to install: v + version, from the input or the action's Cargo.toml.
release_tag() {
    local version=${TEAMLENS_VERSION:-}
    [ -n "$version" ] || version=$(package_version)
    [ -n "$version" ] || fail "no version: $action_dir/Cargo.toml has no [package] version and the version input is empty"
    case "$version" in
    build) echo build ;;
    v*) echo "$version" ;;
    *) echo "v$version" ;;
    esac
}

# OWNER/NAME of the repository whose releases to download, or nothing for a local action.
release_repository() {
    if [ -n "${TEAMLENS_ACTION_REPOSITORY:-}" ]; then
        echo "$TEAMLENS_ACTION_REPOSITORY"
        return
    fi
    case "$action_dir" in
    */_actions/*/*/*)
        local rest=${action_dir#*/_actions/}
        local owner=${rest%%/*}
        rest=${rest#*/}
        echo "$owner/${rest%%/*}"
        ;;
    esac
}

# SHA-256 lines (`HASH  FILE`) of the files named: sha256sum on Linux and Windows, shasum on macOS.
sha256() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$@"
    else
        shasum -a 256 "$@"
    fi
}

# A hash of what the binary is built from (the files `cargo install` compiles in), so a cached
# build of other sources is never restored.
source_hash() {
    local list
    list=$(mktemp)
    # Folders a checkout may lack are left out (find says so on stderr and exits 1: not an error).
    (cd "$action_dir" || exit 1
        find Cargo.toml Cargo.lock src queries assets reports/templates -type f 2>/dev/null
        true) | LC_ALL=C sort >"$list"
    grep -qx 'Cargo.lock' "$list" || fail "$action_dir holds no teamlens source (Cargo.lock, src/)"
    (cd "$action_dir" && while IFS= read -r file; do sha256 "$file"; done) <"$list" >"$list.sums"
    sha256 "$list.sums" | cut -c1-16
    rm -f "$list" "$list.sums"
}

binary_name() {
    case "$(target_triple)" in
    *windows*) echo teamlens.exe ;;
    *) echo teamlens ;;
    esac
}

# Downloads $1 to $2. Returns 0 when fetched, 2 when the server has no such file (404), and
# fails naming the URL on any other answer.
download() {
    local url=$1 to=$2 status
    if [[ "$url" == file://* ]]; then
        # A folder laid out as a release (the tests' fake releases).
        [ -f "${url#file://}" ] || return 2
        cp "${url#file://}" "$to"
        return 0
    fi
    status=$(curl --silent --show-error --location --retry 3 --output "$to" \
        --write-out '%{http_code}' "$url") || fail "downloading $url failed (network?); run again, or set the version input to build"
    case "$status" in
    200) return 0 ;;
    404) return 2 ;;
    *) fail "downloading $url: HTTP $status" ;;
    esac
}

# Installs the release archive of $1 (a tag) for this runner from $2 (OWNER/NAME). Returns 2
# when the release has no archive for this runner; fails when its checksum does not match.
install_release() {
    local tag=$1 repository=$2 target archive base work expected actual
    target=$(target_triple)
    case "$target" in
    *windows*) archive="teamlens-$target.zip" ;;
    none-*) return 2 ;;
    *) archive="teamlens-$target.tar.gz" ;;
    esac
    base=${TEAMLENS_RELEASES_URL:-${GITHUB_SERVER_URL:-https://github.com}/$repository/releases/download}
    work=$(mktemp -d)
    # shellcheck disable=SC2064 # the folder is known now, and removed however the script ends
    trap "rm -rf '$work'" EXIT
    local status=0
    download "$base/$tag/$archive" "$work/$archive" || status=$?
    [ "$status" -eq 0 ] || return "$status"
    download "$base/$tag/$archive.sha256" "$work/$archive.sha256" ||
        fail "$base/$tag/$archive has no $archive.sha256 beside it: refusing a binary whose checksum cannot be checked"
    expected=$(awk '{ print $1; exit }' "$work/$archive.sha256")
    actual=$(sha256 "$work/$archive" | cut -d' ' -f1)
    [ "$expected" = "$actual" ] ||
        fail "checksum mismatch for $archive of $tag: the release says $expected, the download is $actual; not installed"
    say "checksum verified: $archive sha256 $actual"
    case "$archive" in
    *.zip) (cd "$work" && unzip -q "$archive") || fail "unpacking $archive failed" ;;
    *) tar -xzf "$work/$archive" -C "$work" || fail "unpacking $archive failed" ;;
    esac
    local binary
    binary=$(find "$work" -type f -name "$(binary_name)" | head -n 1)
    [ -n "$binary" ] || fail "$archive holds no $(binary_name)"
    if ! { mkdir -p "$install_root/bin" && cp "$binary" "$install_root/bin/$(binary_name)" &&
        chmod +x "$install_root/bin/$(binary_name)"; }; then
        fail "installing into $install_root/bin failed"
    fi
    say "installed teamlens $tag ($target) from $repository's release"
}

install_from_source() {
    command -v "$cargo" >/dev/null 2>&1 ||
        fail "no release binary to install and no cargo to build one: add a Rust toolchain step before this action, or give a released version"
    say "building teamlens from the action's source ($action_dir) with cargo install --locked: about 10 minutes on 4 cores, 25 on 2; later runs restore it from the cache"
    "$cargo" install --locked --path "$action_dir" --root "$install_root" --bin teamlens
}

add_to_path() {
    if [ -n "${GITHUB_PATH:-}" ]; then
        echo "$install_root/bin" >>"$GITHUB_PATH"
    fi
    "$install_root/bin/$(binary_name)" --version >&2
}

case "${1:-}" in
key)
    # Each value on its own line, so that a failure stops the script (set -e).
    tag=$(release_tag)
    hash=$(source_hash)
    output key "teamlens-bin-$(target_triple)-$tag-$hash"
    output path "$install_root"
    ;;
install)
    if [ -x "$install_root/bin/$(binary_name)" ]; then
        say "teamlens restored from the cache: $install_root/bin/$(binary_name)"
        add_to_path
        exit 0
    fi
    tag=$(release_tag)
    repository=$(release_repository)
    status=2
    if [ "$tag" != build ] && [ -n "$repository" ]; then
        status=0
        install_release "$tag" "$repository" || status=$?
    fi
    if [ "$status" -eq 2 ]; then
        if [ "$tag" = build ]; then
            say "version: build: building the action's source"
        elif [ -z "$repository" ]; then
            say "the action is used from a local path: no release to download, building its source"
        else
            say "no teamlens-$(target_triple) archive in release $tag of $repository: building the action's source"
        fi
        install_from_source
    fi
    add_to_path
    ;;
*)
    fail "usage: install.sh key | install"
    ;;
esac
