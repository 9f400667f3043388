"""The loader accepts the real content and rejects each kind of malformed file clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import KnowledgeError
from assistant.knowledge import load_knowledge
from tests.conftest import KNOWLEDGE


def test_real_content_loads() -> None:
    kb = load_knowledge(KNOWLEDGE)
    assert {d.id for d in kb.documents} == {"local-for-local", "metropool-van-morgen"}
    assert {d.kind for d in kb.documents} == {"scenario", "proposal"}
    assert [t.id for t in kb.themes] == ["preventiecoalitie", "ai-voor-iedereen"]
    proposals = kb.document("metropool-van-morgen")
    assert proposals is not None
    for theme in kb.themes:
        section = proposals.section(theme.section)
        assert section is not None and theme.id in section.themes
        assert theme.questions and all(q.text["nl"] and q.text["en"] for q in theme.questions)


def test_boilerplate_is_stripped() -> None:
    text = "\n".join(s.text for d in load_knowledge(KNOWLEDGE).documents for s in d.sections)
    for junk in (
        "Deel dit artikel",
        "Lees ook",
        "](#)",
        "Neem contact op",
        "#slimgroengezond",
        "Wil je meer van dit soort artikelen",
    ):
        assert junk not in text


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_bad_yaml_names_file_and_line(knowledge_dir: Path) -> None:
    path = knowledge_dir / "local-for-local.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[5] = "date: [unclosed"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(knowledge_dir)
    assert str(path) in str(err.value) and "invalid YAML" in str(err.value)
    assert err.value.line is not None and err.value.line >= 6


@pytest.mark.parametrize(
    ("old", "new", "field", "problem"),
    [
        ("kind: scenario", "kind: roman", "kind", "unknown kind 'roman'"),
        ("publisher: Amsterdam Economic Board\n", "", "publisher", "missing"),
        ("date: '2020-06-09'", "date: 'gisteren'", "date", "must be a date"),
        (
            "- id: achterstand-door-onenigheid",
            "- id: over-het-scenario",
            "sections[1].id",
            "duplicate section id",
        ),
        (
            "heading: Wat betekent dit voor de Metropool Amsterdam?",
            "heading: ''",
            "sections[3].heading",
            "missing or empty",
        ),
        ("id: local-for-local", "id: Local For Local", "id", "lowercase"),
        ("kind: scenario", "kind: scenario\nauthor: iemand", "author", "unknown field"),
        # phrasings, summaries and the over block
        (
            "  - wie heeft dit scenario geschreven\n",
            "  - wie heeft dit scenario geschreven\n  - Wie heeft dit  scenario geschreven\n",
            "over.vragen",
            "duplicate line",
        ),
        (
            "  - wie heeft dit scenario geschreven\n",
            "  - {vraag: wie schreef dit}\n",
            "over.vragen",
            "must be a list of text",
        ),
        (
            "  - wie heeft dit scenario geschreven\n",
            "  - " + "lang " * 70 + "\n",
            "over.vragen",
            "one line of at most 300",
        ),
        ("over:\n  nl: |", "over:\n  fr: oui\n  nl: |", "over.fr", "unknown field"),
        (
            "  kort:\n    nl:",
            "  kort:\n    de: nein\n    nl:",
            "sections[0].kort.de",
            "unknown field",
        ),
        ("- id: achterstand-door-onenigheid", "- id: over", "sections[1].id", "reserved"),
    ],
)
def test_each_fault_is_named(
    knowledge_dir: Path, old: str, new: str, field: str, problem: str
) -> None:
    path = knowledge_dir / "local-for-local.yaml"
    _edit(path, old, new)
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(knowledge_dir)
    assert err.value.path == str(path)
    assert err.value.field == field
    assert problem in str(err.value)
    assert err.value.line is not None


def test_empty_section_text_is_refused(knowledge_dir: Path) -> None:
    path = knowledge_dir / "metropool-van-morgen.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  text: |\n    Innoveren doe je nooit alleen.")
    end = text.index("- id: maatschappelijk-initiatief")
    path.write_text(text[:start] + "  text: ''\n" + text[end:], encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"sections\[4\]\.text.*missing or empty"):
        load_knowledge(knowledge_dir)


def test_duplicate_document_id_across_files(knowledge_dir: Path) -> None:
    (knowledge_dir / "copy.yaml").write_bytes(
        (knowledge_dir / "local-for-local.yaml").read_bytes()
    )
    with pytest.raises(KnowledgeError, match="duplicate document id 'local-for-local'"):
        load_knowledge(knowledge_dir)


def test_duplicate_yaml_key_is_refused(knowledge_dir: Path) -> None:
    _edit(knowledge_dir / "local-for-local.yaml", "kind: scenario", "kind: scenario\nkind: x")
    with pytest.raises(KnowledgeError, match="duplicate key 'kind'"):
        load_knowledge(knowledge_dir)


def test_theme_must_point_at_existing_section(knowledge_dir: Path) -> None:
    _edit(
        knowledge_dir / "themes.yaml",
        "section: ai-verantwoord-en-voor-iedereen",
        "section: bestaat-niet",
    )
    with pytest.raises(KnowledgeError, match="no section 'bestaat-niet'") as err:
        load_knowledge(knowledge_dir)
    assert err.value.path.endswith("themes.yaml") and err.value.field == "themes[1].section"


def test_missing_directory_and_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match="not found"):
        load_knowledge(tmp_path / "nope")
    with pytest.raises(KnowledgeError, match="no document files"):
        load_knowledge(tmp_path)


def test_a_third_document_is_picked_up(knowledge_dir: Path) -> None:
    (knowledge_dir / "derde.yaml").write_text(
        "id: derde-scenario\ntitle: Derde\nkind: scenario\npublisher: MRA\ndate: 2024-01-02\n"
        "sections:\n  - id: een\n    heading: Een\n    themes: [wonen]\n    text: Tekst.\n",
        encoding="utf-8",
    )
    kb = load_knowledge(knowledge_dir)
    assert kb.document("derde-scenario") is not None
    assert kb.content_hash != load_knowledge(KNOWLEDGE).content_hash


def test_phrasings_summaries_and_over_block_load() -> None:
    kb = load_knowledge(KNOWLEDGE)
    for doc in kb.documents:
        assert doc.over["nl"] and doc.over["en"]
        about = doc.section("over")
        assert about is not None and about.is_about and about.vragen
        for section in doc.sections:
            # phrasings from residents' lives (issue 23): many per section, most for long ones
            assert 20 <= len(section.vragen) <= 200, section.id
            assert section.kort["nl"] and section.kort["en"]
    # and what falls outside the texts, by kind
    assert set(kb.outside) == {"bot", "service", "personal", "regional", "general", "noise"}
    assert all(len(lines) >= 15 for lines in kb.outside.values())
