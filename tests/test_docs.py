"""The README and docs say only what exists: every command line parses, every setting is read,
every file and module named is there. A renamed option or setting fails here, not in a
newcomer's terminal."""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

from assistant.cli import build_parser
from tests.conftest import REPO

DOCS = [
    REPO / "README.md",
    REPO / "knowledge" / "README.md",
    *sorted((REPO / "docs").glob("*.md")),
]
README_MAX_LINES = 150


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _command_lines(text: str) -> list[str]:
    """The `assistant ...` command lines of a document's indented code blocks, without their
    trailing comments."""
    lines = []
    for line in text.splitlines():
        match = re.match(r"^ {4,}(?:\.venv/bin/)?assistant (.*)$", line)
        if match:
            lines.append(match.group(1).split("  #")[0].strip())
    return lines


def test_the_readme_is_a_front_door() -> None:
    lines = _text(REPO / "README.md").splitlines()
    assert len(lines) <= README_MAX_LINES
    text = "\n".join(lines)
    for command in ("bash scripts/run", "bash scripts/test"):
        assert f"    {command}" in text  # the two commands, as code


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_command_line_parses(doc: Path) -> None:
    parser = build_parser()
    for line in _command_lines(_text(doc)):
        args = shlex.split(line)
        if any(re.fullmatch(r"[A-Z][A-Z_]*|\[.*|.*\]|.*\|.*", a) for a in args):
            # a usage line with placeholders (ID, [--theme T], a|b): its names must exist
            words = [a for a in args if re.fullmatch(r"[a-z][a-z-]*", a)]
            depth = 2 if words[0] == "ideas" else 1
            _known_subcommand(parser, words[:depth], doc, line)
            continue
        try:
            parser.parse_args(args)
        except SystemExit as exc:  # argparse exits on what it cannot read
            raise AssertionError(f"{doc.name}: 'assistant {line}' does not parse") from exc


def _known_subcommand(
    parser: argparse.ArgumentParser, words: list[str], doc: Path, line: str
) -> None:
    for word in words:
        [action] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        assert word in action.choices, f"{doc.name}: 'assistant {line}': no {word!r}"
        parser = action.choices[word]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_setting_named_is_read(doc: Path) -> None:
    read = set(
        re.findall(r"\b(?:ASSISTANT|TELEGRAM)_[A-Z_]+\b", _text(REPO / "src/assistant/config.py"))
    )
    for place in ("tests/conftest.py", "scripts/image-test", "scripts/audit_dependencies.py"):
        read |= set(re.findall(r"\b[A-Z]+_[A-Z_]+\b", _text(REPO / place)))
    named = set(re.findall(r"\b(?:ASSISTANT|TELEGRAM)_[A-Z_]+\b", _text(doc)))
    assert named <= read, f"{doc.name} names settings nothing reads: {sorted(named - read)}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_file_and_module_named_exists(doc: Path) -> None:
    text = _text(doc)
    paths = set(
        re.findall(
            r"(?<![\w/.])((?:scripts|docs|tests|bench|knowledge|security|requirements)/[\w./-]+\w)",
            text,
        )
    )
    missing = [p for p in sorted(paths) if not (REPO / p).exists()]
    modules = set(re.findall(r"python -m ((?:bench|assistant)[\w.]*)", text))
    missing += [
        m
        for m in sorted(modules)
        if not (REPO / (m.replace(".", "/") + ".py")).exists()
        and not (REPO / "src" / (m.replace(".", "/") + ".py")).exists()
    ]
    assert not missing, f"{doc.name} names what is not there: {missing}"
