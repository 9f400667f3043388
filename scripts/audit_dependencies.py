"""Dependency vulnerability audit of this virtual environment, which refuses to pass blind.

pip-audit says "No known vulnerabilities found" when its service answers but knows nothing (a
mirror without advisory data), and it crashes or skips every package when the service is out of
reach; in a CI log both are easy to read as green. So before trusting the service this script
asks it about a release with well-known advisories (the canary). No advisory for the canary
means the audit cannot be done from this machine, and the script says so in one line instead of
passing.

Findings can be accepted in ``security/vulnerability-exceptions.yaml``, each with a reason and a
review date; after that date the finding fails the audit again.

Usage: ``python scripts/audit_dependencies.py [--required] [--osv-url URL] [--exceptions FILE]``
(``AUDIT_REQUIRED=1`` and ``AUDIT_OSV_URL`` do the same as the flags).
Exit codes: 0 audited and clean (or not possible and not required), 1 vulnerabilities found,
2 the exceptions file is invalid, 3 the audit was required but not possible.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess  # nosec B404
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DEFAULT_OSV_URL = "https://api.osv.dev/v1/query"
# requests 2.19.0 has had public advisories since 2018 (CVE-2018-18074 among them): any working
# vulnerability service knows it.
CANARY = ("requests", "2.19.0")
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EXCEPTIONS = ROOT / "security" / "vulnerability-exceptions.yaml"


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    ids: tuple[str, ...]
    fix_versions: tuple[str, ...]

    def describe(self) -> str:
        fix = f"fixed in {', '.join(self.fix_versions)}" if self.fix_versions else "no fix yet"
        return f"{self.package} {self.version}: {' / '.join(self.ids)} ({fix})"


@dataclass(frozen=True)
class Exception_:
    id: str
    package: str
    reason: str
    review_by: dt.date


def load_exceptions(path: Path) -> list[Exception_]:
    """Read the accepted findings; a malformed entry is an error, not silently ignored."""
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = data.get("exceptions") or []
    if not isinstance(entries, list):
        raise ValueError(f"{path}: 'exceptions' must be a list")
    result = []
    for number, entry in enumerate(entries, 1):
        missing = [
            k
            for k in ("id", "package", "reason", "review_by")
            if not isinstance(entry, dict) or not entry.get(k)
        ]
        if missing:
            raise ValueError(f"{path}: exception {number} lacks {', '.join(missing)}")
        review_by = entry["review_by"]
        if not isinstance(review_by, dt.date):
            raise ValueError(f"{path}: exception {number}: review_by must be a date (YYYY-MM-DD)")
        result.append(
            Exception_(
                str(entry["id"]), str(entry["package"]), str(entry["reason"]).strip(), review_by
            )
        )
    return result


def pip_audit(osv_url: str, timeout: int, *args: str) -> dict[str, Any] | None:
    """Run pip-audit against OSV; its JSON report, or None when it could not run at all."""
    command = [
        sys.executable,
        "-m",
        "pip_audit",
        "--vulnerability-service",
        "osv",
        "--osv-url",
        osv_url,
        "--format",
        "json",
        "--progress-spinner",
        "off",
        "--timeout",
        str(timeout),
        *args,
    ]
    # pip-audit with this interpreter and fixed arguments, no shell (B404, B603).
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # nosec B603
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"  pip-audit could not run: {last[:200]}", file=sys.stderr)
        return None
    return report if isinstance(report, dict) else None


def findings(report: dict[str, Any]) -> tuple[list[Finding], list[str], int]:
    """The vulnerable packages, the packages that could not be audited, and how many were."""
    found, skipped, audited = [], [], 0
    for dep in report.get("dependencies", []):
        if "skip_reason" in dep:
            skipped.append(f"{dep['name']}: {dep['skip_reason']}")
            continue
        audited += 1
        for vuln in dep.get("vulns", []):
            found.append(
                Finding(
                    dep["name"],
                    dep["version"],
                    (vuln["id"], *vuln.get("aliases", [])),
                    tuple(vuln.get("fix_versions", [])),
                )
            )
    return found, skipped, audited


def canary_advisories(osv_url: str, timeout: int) -> int:
    """How many advisories the service knows for the canary release (0: it cannot be trusted)."""
    with tempfile.TemporaryDirectory() as folder:
        requirements = Path(folder) / "canary.txt"
        requirements.write_text(f"{CANARY[0]}=={CANARY[1]}\n", encoding="utf-8")
        report = pip_audit(
            osv_url, timeout, "--requirement", str(requirements), "--no-deps", "--disable-pip"
        )
    if report is None:
        return 0
    found, _, _ = findings(report)
    return len(found)


def canonical(name: str) -> str:
    """A package name as PyPI compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def excepted(finding: Finding, exceptions: list[Exception_], today: dt.date) -> Exception_ | None:
    for exc in exceptions:
        if (
            exc.id in finding.ids
            and canonical(exc.package) == canonical(finding.package)
            and today <= exc.review_by
        ):
            return exc
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--osv-url", default=os.environ.get("AUDIT_OSV_URL", DEFAULT_OSV_URL))
    parser.add_argument(
        "--required",
        action="store_true",
        default=os.environ.get("AUDIT_REQUIRED", "") not in ("", "0"),
        help="fail (exit 3) when the audit cannot be done from this machine",
    )
    parser.add_argument("--exceptions", type=Path, default=DEFAULT_EXCEPTIONS)
    parser.add_argument("--timeout", type=int, default=15)
    args = parser.parse_args(argv)

    try:
        exceptions = load_exceptions(args.exceptions)
    except (ValueError, yaml.YAMLError) as exc:
        print(f"Dependency audit: invalid exceptions file: {exc}", file=sys.stderr)
        return 2

    known = canary_advisories(args.osv_url, args.timeout)
    if known == 0:
        print(
            f"Dependency audit NOT RUN: the vulnerability service ({args.osv_url}) gave no "
            f"advisories for {CANARY[0]} {CANARY[1]}, which has public ones, so it is out of "
            "reach or has no data here. Run it where it is reachable (AUDIT_REQUIRED=1).",
            file=sys.stderr,
        )
        return 3 if args.required else 0

    report = pip_audit(args.osv_url, args.timeout, "--skip-editable")
    if report is None:
        print(
            "Dependency audit FAILED: pip-audit could not audit this environment.", file=sys.stderr
        )
        return 3 if args.required else 1
    found, skipped, audited = findings(report)
    today = dt.date.today()
    open_findings = []
    for finding in found:
        accepted = excepted(finding, exceptions, today)
        if accepted is None:
            open_findings.append(finding)
        else:
            print(
                f"  accepted until {accepted.review_by}: {finding.describe()}: {accepted.reason}"
            )
    for line in skipped:
        print(f"  not audited: {line}")
    print(
        f"Dependency audit: {audited} packages checked against {args.osv_url} "
        f"(canary {CANARY[0]} {CANARY[1]}: {known} advisories known); "
        f"{len(open_findings)} open, {len(found) - len(open_findings)} accepted."
    )
    for finding in open_findings:
        print(f"  VULNERABLE {finding.describe()}", file=sys.stderr)
    return 1 if open_findings else 0


if __name__ == "__main__":
    sys.exit(main())
