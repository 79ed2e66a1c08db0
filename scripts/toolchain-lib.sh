# Helpers shared by scripts/toolchain.sh and scripts/kube-toolchain.sh.
# Sourced by them after `set -euo pipefail`, with NAME (for messages), DIR
# (the cache dir) and BIN (its bin dir) set.

log() { echo "$*" >&2; }
die() { log "$NAME: $*"; exit 1; }

# lock <file>: one builder at a time per cache dir (held until exit).
lock() {
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$1"
    flock 9
  fi
}

go_build() { # <module dir> <output> <ldflags> <package>
  (cd "$1" && nice -n 10 go build -trimpath -ldflags "$3" -o "$2.tmp" "$4") && mv -f "$2.tmp" "$2"
}

# Finds <name> on PATH outside our bin dir; prints its path.
on_path() {
  local p
  p="$(PATH="$(tr ':' '\n' <<<"$PATH" | grep -vxF "$BIN" | paste -sd: -)" command -v "$1" 2>/dev/null)" || return 1
  [[ -n "$p" ]] && echo "$p"
}
