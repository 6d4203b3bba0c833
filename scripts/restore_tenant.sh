#!/usr/bin/env bash
# Per-tenant backup/restore with the host platform's interface, delegating to tenantops.
#   restore_tenant.sh backup  <tenant_id> [--output=FILE]
#   restore_tenant.sh restore <tenant_id> <backup_file> [--force]
#   restore_tenant.sh list
#   restore_tenant.sh tables
# ENVIRONMENT=lando (default; the DB of `lando info`, service "database") or ENVIRONMENT=ionos ($DATABASE_URL).
# Extra: TENANTOPS_CONFIG=FILE for the scope config; TENANTOPS_BACKUP_KEY encrypts backups.
set -euo pipefail

usage() {
  sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ -n "${TENANTOPS_BIN:-}" ]]; then tenantops=("$TENANTOPS_BIN")
elif [[ -x "$here/../bin/tenantops" ]]; then tenantops=("$here/../bin/tenantops")
else tenantops=(tenantops); fi

case "${ENVIRONMENT:-lando}" in
  lando) env_name=dev ;;
  ionos) env_name=prod ;;
  *) echo "restore_tenant.sh: ENVIRONMENT must be lando or ionos, got '${ENVIRONMENT}'" >&2; exit 2 ;;
esac
common=(--env "$env_name")
[[ -n "${TENANTOPS_CONFIG:-}" ]] && common+=(--config "$TENANTOPS_CONFIG")

cmd="${1:-}"; shift || true
case "$cmd" in
  backup)
    [[ $# -ge 1 ]] || usage
    tenant="$1"; shift
    out=()
    for a in "$@"; do
      case "$a" in
        --output=*) out=(--out "${a#--output=}") ;;
        *) echo "restore_tenant.sh: unknown option $a" >&2; exit 2 ;;
      esac
    done
    enc=()
    [[ -n "${TENANTOPS_BACKUP_KEY:-}" ]] && enc=(--encrypt)
    exec "${tenantops[@]}" backup "${common[@]}" --tenant "$tenant" "${out[@]}" "${enc[@]}"
    ;;
  restore)
    [[ $# -ge 2 ]] || usage
    tenant="$1"; file="$2"; shift 2
    yes=()
    for a in "$@"; do
      case "$a" in
        --force) yes=(--yes) ;;
        *) echo "restore_tenant.sh: unknown option $a" >&2; exit 2 ;;
      esac
    done
    # The archive is checked first (checksums, tenant, schema); the restore is one transaction with a safety backup.
    exec "${tenantops[@]}" restore "${common[@]}" --in "$file" --tenant "$tenant" "${yes[@]}"
    ;;
  list) exec "${tenantops[@]}" tenants "${common[@]}" ;;
  tables) exec "${tenantops[@]}" tables "${common[@]}" ;;
  -h|--help|help) usage ;;
  *) usage ;;
esac
