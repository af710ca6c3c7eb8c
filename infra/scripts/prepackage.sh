#!/usr/bin/env bash
# azd prepackage hook: the Functions project embeds Swagger UI's files from the pinned npm package in
# tools/ at build time, so a deployment from a fresh clone installs the pinned tools first (once;
# later deployments find them installed).
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
ensure_node_tools
