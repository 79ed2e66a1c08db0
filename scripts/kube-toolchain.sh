#!/usr/bin/env bash
# Provides a pinned Kubernetes control plane for engine tests: kube-apiserver,
# kube-controller-manager and etcd.
#
#   source scripts/kube-toolchain.sh        # ensure tools, export PATH
#   scripts/kube-toolchain.sh               # ensure tools, print an `export PATH=...` line
#   scripts/kube-toolchain.sh --print-path  # ensure tools, print only the bin dir
#
# kube-apiserver and kube-controller-manager are looked up on PATH first;
# otherwise they are built from k8s.io/kubernetes via the Go module proxy into
# ${RHOAI_TOOLCHAIN_DIR:-~/.cache/rhoai-installer/toolchain}/bin (cold build
# ~8-10 minutes on 2 cores, reused afterwards). etcd comes from PATH, else from
# Debian's etcd-server package, else is built from the Go module proxy.
# Status goes to stderr.

# Sourced: do the work in a child bash (so `set -e` and failures do not leak
# into the caller's shell), then export PATH here.
if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
  _rhoai_ktc_bin="$(bash "${BASH_SOURCE[0]}" --print-path)" || return $?
  case ":$PATH:" in
    *":$_rhoai_ktc_bin:"*) ;;
    *) export PATH="$_rhoai_ktc_bin:$PATH" ;;
  esac
  export RHOAI_TOOLCHAIN_BIN="$_rhoai_ktc_bin"
  unset _rhoai_ktc_bin
  return 0
fi

set -euo pipefail

KUBE_VERSION="v1.34.4"
# The k8s.io staging modules (k8s.io/api, client-go, ...) are tagged v0.<minor>.<patch>.
STAGING_VERSION="v0.${KUBE_VERSION#v1.}"
KUBE_MODULE="k8s.io/kubernetes"
ETCD_MODULE="go.etcd.io/etcd/server/v3"
ETCD_VERSION="v3.5.21" # only used when neither PATH nor apt has etcd

DIR="${RHOAI_TOOLCHAIN_DIR:-$HOME/.cache/rhoai-installer/toolchain}"
BIN="$DIR/bin"

mode="export"
case "${1:-}" in
  --print-path) mode="path" ;;
  "") ;;
  -h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "kube-toolchain.sh: unknown argument: $1" >&2; exit 2 ;;
esac

NAME="kube-toolchain.sh"
# shellcheck source=scripts/toolchain-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/toolchain-lib.sh"

[[ -x /usr/local/go/bin/go ]] && export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null 2>&1 || die "go is required (https://go.dev/dl)"
mkdir -p "$BIN" "$DIR/src"

# One builder at a time per cache dir (a separate lock from toolchain.sh's).
lock "$DIR/.kube-lock"

# `kube-apiserver --version` prints "Kubernetes v1.34.4".
kube_ok() { [[ -x "$1" ]] && [[ "$("$1" --version 2>/dev/null)" == "Kubernetes $KUBE_VERSION" ]]; }

# Our own build: a stamp file written after a successful build.
KUBE_STAMP="$KUBE_MODULE@$KUBE_VERSION staging@$STAGING_VERSION"
kube_cached_ok() { # <name>
  kube_ok "$BIN/$1" && [[ "$(cat "$BIN/.$1.stamp" 2>/dev/null)" == "$KUBE_STAMP" ]]
}

# The throwaway module: k8s.io/kubernetes requires every staging module at
# v0.0.0 and replaces it with ./staging/src/...; outside its repo each must be
# replaced with the published v0.x tag instead. The list is read from the
# module's own go.mod so that it is exact for this version.
kube_module() {
  local src="$DIR/src/kubernetes" gomod staging
  if [[ -f "$src/.ready" && "$(cat "$src/.ready")" == "$KUBE_STAMP" ]]; then
    echo "$src"; return
  fi
  rm -rf "$src" && mkdir -p "$src"
  gomod="$(cd "$src" && GOFLAGS=-mod=mod go mod download -json "$KUBE_MODULE@$KUBE_VERSION" |
    sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
  [[ -f "$gomod" ]] || die "cannot download $KUBE_MODULE@$KUBE_VERSION from the module proxy"
  staging="$(sed -n 's#^[[:space:]]*\(k8s\.io/[^ ]*\) => \./staging/src/.*#\1#p' "$gomod")"
  [[ -n "$staging" ]] || die "no staging replacements found in $gomod"
  {
    echo "module rhoai.local/toolchain/kubernetes"
    echo
    echo "go 1.24.0"
    echo
    echo "godebug default=go1.24"
    echo
    echo "require $KUBE_MODULE $KUBE_VERSION"
    echo
    echo "replace ("
    while read -r m; do printf '\t%s => %s %s\n' "$m" "$m" "$STAGING_VERSION"; done <<<"$staging"
    echo ")"
  } >"$src/go.mod"
  (cd "$src" && go get "$KUBE_MODULE/cmd/kube-apiserver@$KUBE_VERSION" \
    "$KUBE_MODULE/cmd/kube-controller-manager@$KUBE_VERSION") >&2
  echo "$KUBE_STAMP" >"$src/.ready"
  echo "$src"
}

kube_ldflags() {
  local major="${KUBE_VERSION#v}" minor ld="-s -w" pkg
  major="${major%%.*}"
  minor="${KUBE_VERSION#v*.}"
  minor="${minor%%.*}"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    ld+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  echo "$ld"
}

ensure_kube() { # <name>
  local name="$1" p start src
  if p="$(on_path "$name")" && kube_ok "$p"; then
    log "$name $KUBE_VERSION: $p (from PATH)"; return
  fi
  p="$BIN/$name"
  if kube_cached_ok "$name"; then log "$name $KUBE_VERSION: $p (cached)"; return; fi

  # Cold: ~6-8 min each on 2 cores; the second reuses most of the first's build cache.
  log "$name $KUBE_VERSION: building from source (one time, ~2-8 min on 2 cores)..."
  start=$SECONDS
  rm -f "$BIN/.$name.stamp"
  src="$(kube_module)"
  go_build "$src" "$p" "$(kube_ldflags)" "$KUBE_MODULE/cmd/$name" >&2
  kube_ok "$p" || die "built $p but it does not report $KUBE_VERSION"
  echo "$KUBE_STAMP" >"$BIN/.$name.stamp"
  log "$name $KUBE_VERSION: $p (built in $((SECONDS - start))s)"
}

# Whether apt offers etcd-server (read into a variable first: with pipefail,
# `apt-cache ... | grep -q` fails when grep closes the pipe early).
apt_has_etcd() {
  local policy
  policy="$(apt-cache policy etcd-server 2>/dev/null)" || return 1
  grep -q 'Candidate: [0-9]' <<<"$policy"
}

etcd_version() { [[ -x "$1" ]] && "$1" --version 2>/dev/null | sed -n 's/^etcd Version: //p'; }
etcd_ok() { [[ "$(etcd_version "$1")" =~ ^3\.([4-9]|[1-9][0-9])\. ]]; }

ensure_etcd() {
  local p start src
  if p="$(on_path etcd)" && etcd_ok "$p"; then
    log "etcd $(etcd_version "$p"): $p (from PATH)"; return
  fi
  p="$BIN/etcd"
  if etcd_ok "$p"; then log "etcd $(etcd_version "$p"): $p (cached)"; return; fi

  start=$SECONDS
  if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    if ! apt_has_etcd; then
      log "etcd: apt-get update (to look for Debian's etcd-server)..."
      apt-get update -qq >&2 || log "etcd: apt-get update failed"
    fi
    if apt_has_etcd; then
      log "etcd: installing Debian's etcd-server..."
      # Its packaged service is not used: kubeenv runs its own etcd on free ports.
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends etcd-server >&2 ||
        log "etcd: apt-get install etcd-server failed"
      if p="$(on_path etcd)" && etcd_ok "$p"; then
        log "etcd $(etcd_version "$p"): $p (installed from apt in $((SECONDS - start))s)"; return
      fi
    fi
  fi

  log "etcd $ETCD_VERSION: building from source (one time, ~1-3 min on 2 cores)..."
  p="$BIN/etcd"
  src="$DIR/src/etcd"
  rm -rf "$src" && mkdir -p "$src"
  printf 'module rhoai.local/toolchain/etcd\n\ngo 1.24.0\n' >"$src/go.mod"
  (cd "$src" && go get "$ETCD_MODULE@$ETCD_VERSION") >&2
  go_build "$src" "$p" "-s -w" "$ETCD_MODULE" >&2
  etcd_ok "$p" || die "built $p but it does not run"
  log "etcd $ETCD_VERSION: $p (built in $((SECONDS - start))s)"
}

ensure_kube kube-apiserver
ensure_kube kube-controller-manager
ensure_etcd

if [[ "$mode" == "path" ]]; then
  echo "$BIN"
else
  log "bin dir: $BIN"
  echo "export PATH=\"$BIN:\$PATH\""
fi
