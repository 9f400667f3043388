"""The dependency audit gate (scripts/audit_dependencies.py) against a local OSV service.

The OSV service itself is out of reach here, so a small HTTP server speaks its query API
(POST /v1/query, the OSV schema) on loopback; pip-audit and the script run for real against
this virtual environment.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.conftest import REPO

SCRIPT = REPO / "scripts" / "audit_dependencies.py"
PYYAML = version("PyYAML")


def advisory(vuln_id: str, package: str, fixed: str) -> dict[str, object]:
    return {
        "id": vuln_id,
        "aliases": [f"CVE-2099-{vuln_id[-4:]}"],
        "summary": "test advisory",
        "details": "test advisory",
        "modified": "2026-01-01T00:00:00Z",
        "affected": [
            {
                "package": {"name": package, "ecosystem": "PyPI"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}
                ],
            }
        ],
    }


class OsvService:
    """Advisories by (package, version), answered as api.osv.dev answers /v1/query."""

    def __init__(self) -> None:
        self.advisories: dict[tuple[str, str], list[dict[str, object]]] = {}
        self.queries: list[tuple[str, str]] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = (body["package"]["name"], body["version"])
                service.queries.append(key)
                vulns = service.advisories.get(key)
                payload = json.dumps({"vulns": vulns} if vulns else {}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/query"

    def knows_canary(self) -> None:
        self.advisories[("requests", "2.19.0")] = [
            advisory("PYSEC-2018-0028", "requests", "2.20.0")
        ]


@pytest.fixture
def osv() -> Iterator[OsvService]:
    service = OsvService()
    thread = threading.Thread(target=service.server.serve_forever, daemon=True)
    thread.start()
    yield service
    service.server.shutdown()
    service.server.server_close()


def audit(osv_url: str, exceptions: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--osv-url",
            osv_url,
            "--exceptions",
            str(exceptions),
            "--timeout",
            "5",
            *flags,
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
        env={k: v for k, v in os.environ.items() if not k.startswith("AUDIT_")},
    )


def write_exceptions(path: Path, review_by: dt.date) -> Path:
    path.write_text(
        "exceptions:\n  - id: CVE-2099-0001\n    package: PyYAML\n"
        "    reason: only our own knowledge files are parsed, with safe_load\n"
        f"    review_by: {review_by.isoformat()}\n",
        encoding="utf-8",
    )
    return path


def test_a_vulnerable_dependency_fails_the_audit(osv: OsvService, tmp_path: Path) -> None:
    osv.knows_canary()
    osv.advisories[("pyyaml", PYYAML)] = [advisory("GHSA-test-0001", "pyyaml", "99.0")]
    done = audit(osv.url, tmp_path / "none.yaml")
    assert done.returncode == 1, done.stderr
    line = next(x for x in done.stderr.splitlines() if "VULNERABLE" in x)
    assert f"VULNERABLE pyyaml {PYYAML}: " in line and "(fixed in 99.0)" in line
    assert "GHSA-test-0001" in line and "CVE-2099-0001" in line
    assert "1 open, 0 accepted" in done.stdout
    # The whole environment was asked about, not only the canary.
    asked = {name for name, _ in osv.queries}
    assert {"pyyaml", "python-telegram-bot", "faiss-cpu", "pip-audit"} <= asked
    assert "metropool-assistant" not in asked  # the project itself is not on PyPI


def test_an_accepted_finding_passes_until_its_review_date(osv: OsvService, tmp_path: Path) -> None:
    osv.knows_canary()
    osv.advisories[("pyyaml", PYYAML)] = [advisory("GHSA-test-0001", "pyyaml", "99.0")]
    today = dt.date.today()

    current = audit(osv.url, write_exceptions(tmp_path / "ok.yaml", today))
    assert current.returncode == 0, current.stderr
    assert "accepted until" in current.stdout and "safe_load" in current.stdout
    assert "0 open, 1 accepted" in current.stdout

    expired = audit(osv.url, write_exceptions(tmp_path / "old.yaml", today - dt.timedelta(days=1)))
    assert expired.returncode == 1
    assert "VULNERABLE pyyaml" in expired.stderr


def test_a_clean_environment_passes_and_says_what_it_checked(osv: OsvService) -> None:
    osv.knows_canary()
    done = audit(osv.url, REPO / "security" / "vulnerability-exceptions.yaml")
    assert done.returncode == 0, done.stderr  # also: the repository's exceptions file is valid
    assert "packages checked against" in done.stdout and "0 open, 0 accepted" in done.stdout
    checked = int(done.stdout.split("Dependency audit: ")[1].split(" packages")[0])
    assert checked == len(set(osv.queries) - {("requests", "2.19.0")}) > 50


@pytest.mark.parametrize("required, code", [(False, 0), (True, 3)])
def test_a_service_without_data_is_not_a_pass(
    osv: OsvService, tmp_path: Path, required: bool, code: int
) -> None:
    # The service answers, but knows nothing: even the canary looks clean.
    done = audit(osv.url, tmp_path / "none.yaml", *(["--required"] if required else []))
    assert done.returncode == code
    assert "Dependency audit NOT RUN" in done.stderr
    assert "packages checked" not in done.stdout
    assert osv.queries == [("requests", "2.19.0")]  # nothing else was asked, nothing claimed


def test_an_unreachable_service_is_not_a_pass(tmp_path: Path) -> None:
    done = audit("http://127.0.0.1:9/v1/query", tmp_path / "none.yaml", "--required")
    assert done.returncode == 3
    assert "Dependency audit NOT RUN" in done.stderr


def test_a_malformed_exception_is_refused(osv: OsvService, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("exceptions:\n  - id: CVE-2099-0001\n    package: PyYAML\n", encoding="utf-8")
    done = audit(osv.url, path)
    assert done.returncode == 2
    assert "exception 1 lacks reason, review_by" in done.stderr
