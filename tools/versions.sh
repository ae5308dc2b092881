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
# Optional: GoTrue at the tag of the v0.8.2 release's gotrue image (policies/rules/releases.ts). The
# proxy refuses its module (below), so tools/build.sh builds it from a local git snapshot of
# supabase/auth when one is given (SUPABASE_AUTH_GIT); without one the engine tier skips its GoTrue scenario.
GOTRUE_VERSION=v2.196.0
# The commit that tag names in the snapshot it was first built from; a snapshot whose tag moved is refused.
GOTRUE_COMMIT=0204331ca41a5b49f076b6fa3dc6c0d20b996590
GOTRUE_MODULE=github.com/supabase/auth
# Asked of the proxy and refused ("This module version is not available."): `npm run tools -- --list`
# prints these so nobody searches again. `name|module`. (github.com/supabase/auth is refused too: see
# GOTRUE_VERSION above.)
NOT_BUILDABLE=(
    "language-nodejs|github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 (tools/language-host.ts stands in)"
    "random-provider|github.com/pulumi/pulumi-random/provider/v4 (the program uses GeneratedSecret instead)"
    "postgresql-provider|github.com/pulumi/pulumi-postgresql/provider/v3"
)
TOOLS_HOME="${SUPABASE_PLATFORM_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/supabase-platform/tools}"
TOOLS_BIN="$TOOLS_HOME/bin"
TOOLS_WORK="$TOOLS_HOME/work"
