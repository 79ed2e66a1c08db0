#!/usr/bin/env bash
# Provides the pinned Pulumi CLI and Kubernetes resource provider plugin.
#
#   source scripts/toolchain.sh        # ensure tools, export PATH
#   scripts/toolchain.sh               # ensure tools, print an `export PATH=...` line
#   scripts/toolchain.sh --print-path  # ensure tools, print only the bin dir
#
# Tools are looked up on PATH first; otherwise they are built from source with
# the local Go toolchain into ${RHOAI_TOOLCHAIN_DIR:-~/.cache/rhoai-installer/toolchain}/bin
# (cold build ~25 minutes on 2 cores, reused afterwards). Status goes to stderr.

# Sourced: do the work in a child bash (so `set -e` and failures do not leak
# into the caller's shell), then export PATH here.
if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
  _rhoai_tc_bin="$(bash "${BASH_SOURCE[0]}" --print-path)" || return $?
  case ":$PATH:" in
    *":$_rhoai_tc_bin:"*) ;;
    *) export PATH="$_rhoai_tc_bin:$PATH" ;;
  esac
  export RHOAI_TOOLCHAIN_BIN="$_rhoai_tc_bin"
  unset _rhoai_tc_bin
  return 0
fi

set -euo pipefail

PULUMI_VERSION="v3.274.1"
K8S_VERSION="4.32.0"
# provider/v4 has no semver tags of its own; this is the pseudo-version the
# module proxy serves (commit f47bc2d6f199, 2026-01-15).
K8S_MODULE="github.com/pulumi/pulumi-kubernetes/provider/v4"
K8S_MODULE_VERSION="v4.0.0-20260115033456-f47bc2d6f199"
CLIPBOARD_REPLACE="github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e"

DIR="${RHOAI_TOOLCHAIN_DIR:-$HOME/.cache/rhoai-installer/toolchain}"
BIN="$DIR/bin"

mode="export"
case "${1:-}" in
  --print-path) mode="path" ;;
  "") ;;
  -h | --help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "toolchain.sh: unknown argument: $1" >&2; exit 2 ;;
esac

NAME="toolchain.sh"
# shellcheck source=scripts/toolchain-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/toolchain-lib.sh"

command -v go >/dev/null 2>&1 || die "go is required (https://go.dev/dl)"
mkdir -p "$BIN" "$DIR/src"

# One builder at a time per cache dir.
lock "$DIR/.lock"

pulumi_ok() { [[ -x "$1" ]] && [[ "$("$1" version 2>/dev/null)" == "$PULUMI_VERSION" ]]; }

# The plugin has no --version flag; ask the CLI for the schema it serves
# (its version is stamped at build time, like upstream's generate.go does).
k8s_schema_ok() {
  [[ -x "$1" ]] && "$PULUMI_BIN" package get-schema "$1" 2>/dev/null |
    grep -E "^  \"version\": \"v?${K8S_VERSION//./\\.}\"," >/dev/null
}

# Our own build: a stamp file written after a successful build.
K8S_STAMP="$K8S_VERSION $K8S_MODULE@$K8S_MODULE_VERSION"
k8s_cached_ok() {
  [[ -x "$BIN/pulumi-resource-kubernetes" ]] &&
    [[ "$(cat "$BIN/.pulumi-resource-kubernetes.stamp" 2>/dev/null)" == "$K8S_STAMP" ]]
}

ensure_pulumi() {
  local p start src
  if p="$(on_path pulumi)" && pulumi_ok "$p"; then
    PULUMI_BIN="$p"; log "pulumi $PULUMI_VERSION: $p (from PATH)"; return
  fi
  p="$BIN/pulumi"
  PULUMI_BIN="$p"
  if pulumi_ok "$p"; then log "pulumi $PULUMI_VERSION: $p (cached)"; return; fi

  log "pulumi $PULUMI_VERSION: building from source (one time, ~9 min on 2 cores)..."
  start=$SECONDS
  src="$DIR/src/pulumi-cli"
  rm -rf "$src" && mkdir -p "$src"
  cat >"$src/go.mod" <<EOF
module rhoai.local/toolchain/pulumi-cli

go 1.26

require (
	github.com/pulumi/pulumi/pkg/v3 $PULUMI_VERSION
	github.com/pulumi/pulumi/sdk/v3 $PULUMI_VERSION
)

// Same as pulumi/pkg/v3's go.mod (its other replace, sdk => ../sdk, is the
// required sdk/v3 $PULUMI_VERSION).
replace $CLIPBOARD_REPLACE
EOF
  (cd "$src" && go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$PULUMI_VERSION") >&2
  go_build "$src" "$p" \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >&2
  pulumi_ok "$p" || die "built $p but it does not report $PULUMI_VERSION"
  log "pulumi $PULUMI_VERSION: $p (built in $((SECONDS - start))s)"
}

ensure_kubernetes() {
  local p start src moddir
  if p="$(on_path pulumi-resource-kubernetes)" && k8s_schema_ok "$p"; then
    log "pulumi-resource-kubernetes $K8S_VERSION: $p (from PATH)"; return
  fi
  p="$BIN/pulumi-resource-kubernetes"
  if k8s_cached_ok || { k8s_schema_ok "$p" && echo "$K8S_STAMP" >"$BIN/.pulumi-resource-kubernetes.stamp"; }; then
    log "pulumi-resource-kubernetes $K8S_VERSION: $p (cached)"; return
  fi

  log "pulumi-resource-kubernetes $K8S_VERSION: building from source (one time, ~16 min on 2 cores)..."
  start=$SECONDS
  src="$DIR/src/kubernetes-provider"
  rm -f "$BIN/.pulumi-resource-kubernetes.stamp"
  rm -rf "$src" && mkdir -p "$src/gen"
  cat >"$src/go.mod" <<EOF
module rhoai.local/toolchain/pulumi-resource-kubernetes

go 1.24.7

require $K8S_MODULE $K8S_MODULE_VERSION
EOF
  # Upstream main embeds generated files the module zip lacks; regenerate them.
  cat >"$src/main.go" <<'EOF'
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
EOF
  cat >"$src/gen/main.go" <<'EOF'
// Command gen mirrors upstream cmd/pulumi-resource-kubernetes/generate.go:
// gen VERSION schema.json terraform-mapping.json OUTDIR
package main

import (
	"encoding/json"
	"log"
	"os"
	"path/filepath"
)

func compact(path string, patch func(map[string]json.RawMessage)) []byte {
	raw, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		log.Fatalf("%s: %v", path, err)
	}
	patch(m)
	out, err := json.Marshal(m)
	if err != nil {
		log.Fatal(err)
	}
	return out
}

func main() {
	a := os.Args[1:]
	version, _ := json.Marshal(a[0])
	s := compact(a[1], func(m map[string]json.RawMessage) { m["version"] = version })
	t := compact(a[2], func(map[string]json.RawMessage) {})
	if err := os.WriteFile(filepath.Join(a[3], "schema-embed.json"), s, 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(a[3], "terraform-mapping-embed.json"), t, 0o644); err != nil {
		log.Fatal(err)
	}
}
EOF
  moddir="$(cd "$src" && go mod download -json "$K8S_MODULE@$K8S_MODULE_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -d "$moddir/cmd/pulumi-resource-kubernetes" ]] || die "cannot locate $K8S_MODULE@$K8S_MODULE_VERSION in the module cache"
  (cd "$src" && go mod tidy) >&2
  (cd "$src" && go run ./gen "$K8S_VERSION" \
    "$moddir/cmd/pulumi-resource-kubernetes/schema.json" \
    "$moddir/cmd/pulumi-resource-kubernetes/terraform-mapping.json" .) >&2
  go_build "$src" "$p" \
    "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$K8S_VERSION" . >&2
  k8s_schema_ok "$p" || die "built $p but it does not serve version $K8S_VERSION"
  echo "$K8S_STAMP" >"$BIN/.pulumi-resource-kubernetes.stamp"
  log "pulumi-resource-kubernetes $K8S_VERSION: $p (built in $((SECONDS - start))s)"
}

ensure_pulumi
ensure_kubernetes

if [[ "$mode" == "path" ]]; then
  echo "$BIN"
else
  log "bin dir: $BIN (the pulumi CLI finds the kubernetes plugin on PATH)"
  echo "export PATH=\"$BIN:\$PATH\""
fi
