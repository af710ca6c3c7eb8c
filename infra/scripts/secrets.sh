#!/bin/sh
# The API's two secrets in Key Vault.
#
#   secrets.sh                       create whichever of the operator key and the master key is
#                                    missing (azd runs this after every provision); never replaces one
#   secrets.sh rotate-operator-key   store a new operator key; the old one stops working once the
#                                    app has re-read its Key Vault references (this script asks it to)
#
# There is deliberately no rotate for the master key: organizations' private keys and stored
# storage credentials are sealed under keys derived from it, and a new one would make all of that
# unreadable. Values go to `az` through a private temporary file, never on a command line (other
# users could read it in the process list) and never into azd's outputs or parameter files.
#
# Needs the Azure CLI signed in (`az login`) as someone who may write the vault's secrets: the user
# who ran `azd up` is given Key Vault Secrets Officer by the provision. Outside azd's hooks it reads
# the environment's values with `azd env get-values`.
set -eu

if [ -z "${AZURE_KEY_VAULT_NAME:-}" ]; then
  eval "$(azd env get-values)"
fi
vault=${AZURE_KEY_VAULT_NAME:?not provisioned yet: run azd provision first}
app_id=${AZURE_FUNCTION_APP_ID:?not provisioned yet: run azd provision first}
operator_secret=${LOCKTERA_OPERATOR_KEY_SECRET:?not provisioned yet: run azd provision first}
master_secret=${LOCKTERA_MASTER_KEY_SECRET:?not provisioned yet: run azd provision first}

random_base64() { head -c "$1" /dev/urandom | base64 | tr -d '\n'; }

# The names of the vault's secrets. Retried for a while, because a role assignment the provision
# just made can take minutes to reach Key Vault; a failure here stops the script, so a secret is
# never taken for missing (and overwritten) when the vault merely could not be read.
secret_names() {
  tries=0
  until names=$(az keyvault secret list --vault-name "$vault" --query '[].name' --output tsv 2>/dev/null); do
    tries=$((tries + 1))
    if [ "$tries" -ge 20 ]; then
      az keyvault secret list --vault-name "$vault" --query '[].name' --output tsv >/dev/null
      exit 1
    fi
    echo "waiting for access to Key Vault $vault ($tries)..." >&2
    sleep 15
  done
  printf '%s\n' "$names"
}

# store NAME VALUE: a new version of the secret NAME.
store() {
  file=$(mktemp)
  trap 'rm -f "$file"' EXIT
  chmod 600 "$file"
  printf '%s' "$2" >"$file"
  az keyvault secret set --vault-name "$vault" --name "$1" --file "$file" --encoding utf-8 --output none
  rm -f "$file"
  echo "stored a new $1 in Key Vault $vault" >&2
}

# The app caches Key Vault references for up to a day; this makes it read them now.
refresh_app() {
  az rest --method post --output none \
    --url "https://management.azure.com${app_id}/config/configreferences/appsettings/refresh?api-version=2022-03-01"
}

case "${1:-ensure}" in
  ensure)
    names=$(secret_names)
    created=
    # 48 random bytes: a 64-character operator key, well over the 32 the API requires.
    if ! printf '%s\n' "$names" | grep -qx "$operator_secret"; then
      store "$operator_secret" "$(random_base64 48)"
      created=yes
    fi
    # 32 random bytes in base64, as Locktera__MasterKey requires.
    if ! printf '%s\n' "$names" | grep -qx "$master_secret"; then
      store "$master_secret" "$(random_base64 32)"
      created=yes
    fi
    if [ -n "$created" ]; then refresh_app; fi
    ;;
  rotate-operator-key)
    secret_names >/dev/null
    store "$operator_secret" "$(random_base64 48)"
    refresh_app
    ;;
  *)
    echo "usage: $0 [ensure | rotate-operator-key]" >&2
    exit 2
    ;;
esac
