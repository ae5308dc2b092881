#!/usr/bin/env bash
# npm run tools [-- --check | --list | --only NAME]
# Builds the real toolchain the engine tier runs (the Pulumi CLI, the Kubernetes provider plugin,
# etcd, kube-apiserver/-controller-manager/-scheduler and KWOK) from the
# Go module proxy with the ordinary `go` client, into a cache outside the checkout. Idempotent and
# resumable: a component whose binaries are present is skipped; a failed one is rebuilt next run.
# Optional: gotrue, from a local git snapshot of supabase/auth ($SUPABASE_AUTH_GIT), deps from the proxy.
# Nothing here is third-party source: each component is a wrapper go.mod that requires a published
# module version, and `go build` fetches it from the proxy.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=tools/versions.sh
source "$here/versions.sh"

mode="build"
only=""
case "${1:-}" in
    "") ;;
    --check) mode="check" ;;
    --list) mode="list" ;;
    --only) only="${2:-}"; [[ -n "$only" ]] || { echo "tools: --only needs a component name (see --list)" >&2; exit 2; } ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "tools: unknown argument '$1' (use no argument to build, --check to verify, --list for the table, --only NAME for one component)" >&2; exit 2 ;;
esac

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
mkdir -p "$TOOLS_BIN" "$TOOLS_WORK"

# `name:binary[,binary]` for every component, in build order (small first, so a broken proxy shows early).
COMPONENTS=(
    "kwok:kwok"
    "etcd:etcd"
    "pulumi:pulumi"
    "kubernetes-provider:pulumi-resource-kubernetes"
    "kubernetes:kube-apiserver,kube-controller-manager,kube-scheduler"
)

# Optional components: missing ones do not fail --check, and the engine tier skips what needs them.
# gotrue's module is refused by the proxy, so its source is a local git snapshot of supabase/auth
# (a bare git dir holding tag $GOTRUE_VERSION): $SUPABASE_AUTH_GIT, else a fetched mirror at the
# path pattern $SUPABASE_AUTH_MIRRORS/supabase+auth/* (default /work/.mirror, where this machine's
# snapshot fetcher puts them). Its dependencies still come from the proxy.
OPTIONAL=("gotrue:gotrue")

has_tag() { git --git-dir="$1" rev-parse -q --verify "refs/tags/$GOTRUE_VERSION^{commit}" >/dev/null 2>&1; }

gotrue_source() { # prints the snapshot's git dir, or nothing
    local g
    if [[ -n "${SUPABASE_AUTH_GIT:-}" ]]; then echo "$SUPABASE_AUTH_GIT"; return; fi
    for g in "${SUPABASE_AUTH_MIRRORS:-/work/.mirror}"/supabase+auth/*; do
        [[ -d "$g" ]] && has_tag "$g" && { echo "$g"; return; }
    done
    return 0
}

# One line on why gotrue is absent; empty when it can be built.
gotrue_unavailable() {
    local src; src="$(gotrue_source)"
    if [[ -z "$src" ]]; then
        echo "gotrue (optional) cannot be built here: the Go module proxy refuses $GOTRUE_MODULE and no local snapshot was given (set SUPABASE_AUTH_GIT to a bare git dir of supabase/auth holding tag $GOTRUE_VERSION); the engine tier skips its GoTrue scenario"
    elif ! has_tag "$src"; then
        echo "gotrue (optional) cannot be built here: SUPABASE_AUTH_GIT=$src is not a git dir holding tag $GOTRUE_VERSION; the engine tier skips its GoTrue scenario"
    fi
}

have_all() { local b; for b in ${1//,/ }; do [[ -x "$TOOLS_BIN/$b" ]] || return 1; done; }

wrapper() { # wrapper DIR MODULE-PATH: a fresh go.mod in DIR that only requires what follows
    rm -rf "$1"; mkdir -p "$1"; (cd "$1" && go mod init -q "$2" 2>/dev/null || go mod init "$2" >/dev/null 2>&1)
}

build_kwok() {
    local d="$TOOLS_WORK/kwok"; wrapper "$d" local/kwok-build
    (cd "$d" && go mod edit -require="sigs.k8s.io/kwok@$KWOK_VERSION" && go mod download sigs.k8s.io/kwok \
        && go get "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" \
        && go build -trimpath -ldflags "-s -w" -o "$TOOLS_BIN/kwok" sigs.k8s.io/kwok/cmd/kwok)
    # The bare controller needs its stages (kwokctl normally injects them): the module's own YAMLs.
    local stages; stages="$(cd "$d" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)/kustomize/stage"
    : > "$TOOLS_BIN/kwok-stages.yaml"
    for f in node/fast/node-initialize.yaml node/heartbeat/node-heartbeat.yaml pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
        cat "$stages/$f" >> "$TOOLS_BIN/kwok-stages.yaml"; printf '\n---\n' >> "$TOOLS_BIN/kwok-stages.yaml"
    done
}

build_etcd() {
    local d="$TOOLS_WORK/etcd"; wrapper "$d" local/etcd-build
    (cd "$d" && go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" \
        && go build -trimpath -ldflags "-s -w" -o "$TOOLS_BIN/etcd" go.etcd.io/etcd/server/v3)
}

build_pulumi() {
    local d="$TOOLS_WORK/pulumi"; wrapper "$d" local/pulumi-build
    # pkg/go.mod replaces atotto/clipboard; a replace only applies in the main module, so repeat it.
    (cd "$d" && go mod edit -replace="github.com/atotto/clipboard=github.com/tgummerer/clipboard@$PULUMI_CLIPBOARD_FORK" \
        && go get "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION" "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION" \
        && go build -trimpath -tags osusergo,grpcnotrace -o "$TOOLS_BIN/pulumi" \
            -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
            github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
}

build_kubernetes_provider() {
    # No provider/v4 tags exist; the proxy serves exactly one commit of the provider module. Its
    # go.mod replaces the sdk with ../sdk and its main embeds a generated schema, so the module is
    # unpacked as the main module with the sdk beside it, the schema generated, then built.
    local d="$TOOLS_WORK/kubernetes-provider" mod
    rm -rf "$d"; mkdir -p "$d"
    mod="$(cd /tmp && go mod download -json "github.com/pulumi/pulumi-kubernetes/provider/v4@$K8S_PROVIDER_MODULE" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')"
    cp -r "$mod" "$d/provider"
    mod="$(cd /tmp && go mod download -json "github.com/pulumi/pulumi-kubernetes/sdk/v4@$K8S_PROVIDER_SDK" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')"
    cp -r "$mod" "$d/sdk"
    chmod -R u+w "$d"
    (cd "$d/provider/cmd/pulumi-resource-kubernetes" && VERSION="$K8S_PROVIDER_VERSION" go run generate.go)
    (cd "$d/provider" && go build -trimpath -o "$TOOLS_BIN/pulumi-resource-kubernetes" \
        -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$K8S_PROVIDER_VERSION" \
        ./cmd/pulumi-resource-kubernetes)
}

build_kubernetes() {
    # k8s.io/kubernetes requires its staging modules at v0.0.0 with local replaces; the wrapper
    # replaces each with its published release, the list read from the downloaded go.mod.
    local d="$TOOLS_WORK/kubernetes" gomod m ld="-s -w" p minor
    wrapper "$d" local/kubernetes-build
    gomod="$(cd /tmp && go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')"
    (cd "$d" && go mod edit -require="k8s.io/kubernetes@$KUBERNETES_VERSION"
     for m in $(sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => \./staging/.*#\1#p' "$gomod"); do
         go mod edit -replace="$m=$m@$KUBERNETES_STAGING_VERSION"
     done)
    minor="$(echo "$KUBERNETES_VERSION" | cut -d. -f2)"
    for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        ld="$ld -X $p.gitVersion=$KUBERNETES_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
    done
    (cd "$d" && go build -trimpath -tags selinux,notest -ldflags "$ld" -o "$TOOLS_BIN/" \
        k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler)
}

build_gotrue() {
    # The tag's tree, exported from the snapshot (never checked out in place), built the way its
    # Makefile does (CGO off, the version stamped into internal/utilities.Version), then checked.
    local src d commit reported
    src="$(gotrue_source)"; d="$TOOLS_WORK/gotrue"
    has_tag "$src" || { echo "no tag $GOTRUE_VERSION in $src"; return 1; }
    commit="$(git --git-dir="$src" rev-parse "refs/tags/$GOTRUE_VERSION^{commit}")"
    echo "source: $src, tag $GOTRUE_VERSION = commit $commit"
    [[ "$commit" == "$GOTRUE_COMMIT" ]] || { echo "tag $GOTRUE_VERSION in $src names $commit, not $GOTRUE_COMMIT (tools/versions.sh)"; return 1; }
    rm -rf "$d"; mkdir -p "$d/src"
    git --git-dir="$src" archive --format=tar "$commit" | tar -x -C "$d/src"
    grep -qx "module $GOTRUE_MODULE" "$d/src/go.mod" || { echo "$d/src/go.mod is not module $GOTRUE_MODULE"; return 1; }
    (cd "$d/src" && GOFLAGS= go mod download \
        && GOFLAGS= go build -buildvcs=false -trimpath -o "$d/gotrue" \
            -ldflags "-s -w -X $GOTRUE_MODULE/internal/utilities.Version=$GOTRUE_VERSION" .)
    reported="$("$d/gotrue" version 2>/dev/null | tail -n 1)"
    [[ "$reported" == "$GOTRUE_VERSION" ]] || { echo "the built binary reports '$reported', not $GOTRUE_VERSION"; return 1; }
    printf '%s %s\n' "$GOTRUE_VERSION" "$commit" > "$TOOLS_BIN/gotrue.version"
    mv "$d/gotrue" "$TOOLS_BIN/gotrue"
    rm -rf "$d/src"
    echo "installed $TOOLS_BIN/gotrue ($reported, commit $commit)"
}

version_of() {
    case "$1" in
        kwok) echo "$KWOK_VERSION" ;; etcd) echo "$ETCD_VERSION" ;; pulumi) echo "$PULUMI_VERSION" ;;
        kubernetes-provider) echo "$K8S_PROVIDER_VERSION (module $K8S_PROVIDER_MODULE)" ;;
        kubernetes) echo "$KUBERNETES_VERSION" ;;
        gotrue) echo "$GOTRUE_VERSION (local snapshot, optional)" ;;
    esac
}

table() {
    printf '%-22s %-48s %s\n' component version status
    local entry name bins
    for entry in "${COMPONENTS[@]}"; do
        name="${entry%%:*}"; bins="${entry#*:}"
        if have_all "$bins"; then s="present"; else s="MISSING"; fi
        printf '%-22s %-48s %s\n' "$name" "$(version_of "$name")" "$s"
    done
    for entry in "${OPTIONAL[@]}"; do
        name="${entry%%:*}"; bins="${entry#*:}"
        if have_all "$bins"; then s="present"
        elif [[ -n "$(gotrue_unavailable)" ]]; then s="not buildable here: the proxy refuses $GOTRUE_MODULE and no snapshot (SUPABASE_AUTH_GIT)"
        else s="MISSING (optional; snapshot $(gotrue_source))"; fi
        printf '%-22s %-48s %s\n' "$name" "$(version_of "$name")" "$s"
    done
    for entry in "${NOT_BUILDABLE[@]}"; do printf '%-22s %-48s %s\n' "${entry%%|*}" "-" "not served by the module proxy: ${entry#*|}"; done
    echo "cache: $TOOLS_HOME"
}

if [[ "$mode" == list ]]; then table; exit 0; fi
if [[ "$mode" == check ]]; then
    missing=()
    # The optional line first: .ci/run reports the last line of a failed check.
    if have_all gotrue; then echo "tools: gotrue (optional) present"
    elif [[ -n "$(gotrue_unavailable)" ]]; then echo "tools: $(gotrue_unavailable)"
    else echo "tools: gotrue (optional) not built; build it with: npm run tools -- --only gotrue (snapshot $(gotrue_source))"; fi
    for entry in "${COMPONENTS[@]}"; do have_all "${entry#*:}" || missing+=("${entry%%:*}"); done
    if ((${#missing[@]})); then
        echo "tools: missing ${missing[*]} in $TOOLS_BIN; build them with: npm run tools" >&2; exit 1
    fi
    echo "tools: all present in $TOOLS_BIN"; exit 0
fi

command -v go >/dev/null || { echo "tools: no 'go' on PATH; install Go >= 1.26 (the build uses the Go module proxy)" >&2; exit 1; }
start_all=$SECONDS
failed=()
for entry in "${COMPONENTS[@]}"; do
    name="${entry%%:*}"; bins="${entry#*:}"
    [[ -z "$only" || "$only" == "$name" ]] || continue
    if have_all "$bins"; then echo "==> $name: present, skipped"; continue; fi
    echo "==> $name $(version_of "$name"): building (log $TOOLS_WORK/$name.log)"
    t0=$SECONDS
    if "build_${name//-/_}" > "$TOOLS_WORK/$name.log" 2>&1; then
        echo "    $name: done in $((SECONDS - t0)) s"
    else
        echo "    $name: FAILED after $((SECONDS - t0)) s; last lines of its log:"; tail -n 15 "$TOOLS_WORK/$name.log" | sed 's/^/      /'
        failed+=("$name")
    fi
done
# gotrue: optional. Without a snapshot it is one line, not a failure; a snapshot that fails to build is one.
if [[ -z "$only" || "$only" == gotrue ]]; then
    if have_all gotrue; then echo "==> gotrue: present, skipped"
    elif [[ -n "$(gotrue_unavailable)" ]]; then echo "==> $(gotrue_unavailable)"
    else
        echo "==> gotrue $(version_of gotrue): building (log $TOOLS_WORK/gotrue.log)"
        t0=$SECONDS
        if build_gotrue > "$TOOLS_WORK/gotrue.log" 2>&1; then
            echo "    gotrue: done in $((SECONDS - t0)) s"
        else
            echo "    gotrue: FAILED after $((SECONDS - t0)) s; last lines of its log:"; tail -n 15 "$TOOLS_WORK/gotrue.log" | sed 's/^/      /'
            failed+=("gotrue")
        fi
    fi
fi
echo; table; echo "total: $((SECONDS - start_all)) s"
if ((${#failed[@]})); then echo "tools: failed: ${failed[*]} (rerun npm run tools to retry them)" >&2; exit 1; fi
