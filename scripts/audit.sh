#!/usr/bin/env bash
# Audit the locked dependencies (uv.lock, every group) for known vulnerabilities with pip-audit.
# Exit: 0 clean (or only triaged findings), 1 untriaged findings, 2 could not audit (vulnerability
# service unreachable) when AUDIT_STRICT=1; without it an unreachable service prints SKIPPED and exits 0:
# a visible skip, never a silent pass.
set -euo pipefail
cd "$(dirname "$0")/.."
PIP_AUDIT="${PIP_AUDIT:-.venv/bin/pip-audit}"
SERVICE="${AUDIT_SERVICE:-pypi}"   # pypi (PyPI JSON API) or osv
# Triaged findings (id: reason); keep in step with README "Dependency audit".
IGNORED=()
req="$(mktemp)"; out="$(mktemp)"
trap 'rm -f "$req" "$out"' EXIT
python3 -m uv export --frozen --no-hashes --no-emit-project --all-groups --format requirements-txt >"$req"
args=(-r "$req" --no-deps --disable-pip --progress-spinner off -s "$SERVICE" -f json -o "$out")
for id in "${IGNORED[@]}"; do args+=(--ignore-vuln "${id%%:*}"); done
set +e
"$PIP_AUDIT" "${args[@]}" 2>/dev/null
status=$?
set -e
set +e
python3 - "$out" "$status" <<'PY'
import json, sys
path, status = sys.argv[1], int(sys.argv[2])
try:
    report = json.load(open(path))
except (OSError, ValueError):
    print(f"pip-audit: no report (exit {status})"); sys.exit(2)
deps = report.get("dependencies", [])
skipped = [d for d in deps if d.get("skip_reason")]
vulns = [(d["name"], d["version"], v["id"], ",".join(v.get("fix_versions", []))) for d in deps for v in d.get("vulns", [])]
for name, version, vid, fix in vulns:
    print(f"VULNERABLE {name} {version}: {vid} (fixed in {fix or 'no release'})")
audited = len(deps) - len(skipped)
print(f"pip-audit: {audited} of {len(deps)} locked packages audited, {len(vulns)} untriaged findings")
if vulns:
    sys.exit(1)
if skipped and audited == 0:
    print(f"pip-audit SKIPPED: the vulnerability service is unreachable from here "
          f"({skipped[0]['skip_reason']}); nothing was audited. This is not a pass.")
    sys.exit(3)
if skipped:
    print("not audited: " + ", ".join(f"{d['name']} ({d['skip_reason']})" for d in skipped[:20]))
PY
rc=$?
set -e
if [ "$rc" -eq 3 ]; then
  [ "${AUDIT_STRICT:-0}" = "1" ] && exit 2
  exit 0
fi
exit "$rc"
