"""Load and validate the maintainers' YAML content (knowledge/) into typed documents and themes.

Loading is all or nothing: the first problem raises a KnowledgeError that names the file, the
field and the line, and no partial result is returned.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import KnowledgeError

KINDS = ("scenario", "proposal")
THEMES_FILE = "themes.yaml"
OUTSIDE_FILE = "buiten-de-teksten.yaml"  # messages the texts do not answer, by kind
# The kinds of out-of-scope messages (OUTSIDE_FILE's keys): ``bot`` is answered with what the
# assistant is and can do, ``service`` with the referral to one's gemeente, the rest with the
# honest "not in the texts".
OUTSIDE_KINDS = ("bot", "service", "personal", "regional", "general", "noise")
LANGUAGES = ("nl", "en")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_DOC_FIELDS = {"id", "title", "kind", "publisher", "date", "sections", "summary", "url", "over"}
_SECTION_FIELDS = {"id", "heading", "text", "themes", "examples", "kort", "vragen"}
_OVER_FIELDS = {*LANGUAGES, "vragen"}
# The section made from a document's ``over`` block: questions about the document itself.
ABOUT_SECTION = "over"
ABOUT_HEADING = {"nl": "Over deze tekst", "en": "About this text"}
_THEME_FIELDS = {"id", "document", "section", "title", "description", "questions"}


@dataclass(frozen=True)
class Section:
    """One section of a source document: its heading, body and themes."""

    id: str
    heading: str
    text: str
    themes: tuple[str, ...]
    examples: tuple[str, ...] = ()
    # How residents ask about this section ("vragen") and a plain-language summary per
    # language ("kort"): matched alongside the text, never shown instead of it.
    vragen: tuple[str, ...] = ()
    kort: dict[str, str] = field(default_factory=dict)

    @property
    def is_about(self) -> bool:
        """Whether this is the section made from the document's ``over`` block."""
        return self.id == ABOUT_SECTION


@dataclass(frozen=True)
class Document:
    """A source document (a scenario or a set of proposals) with its sections in reading order."""

    id: str
    title: str
    kind: str
    publisher: str
    date: dt.date
    sections: tuple[Section, ...]
    summary: str = ""
    url: str = ""
    path: str = ""
    over: dict[str, str] = field(default_factory=dict)  # what the document is, per language

    def section(self, section_id: str) -> Section | None:
        """The section with this id, if any."""
        return next((s for s in self.sections if s.id == section_id), None)


@dataclass(frozen=True)
class FollowUp:
    """A skippable follow-up question of an idea theme, in both languages."""

    id: str
    text: dict[str, str]


@dataclass(frozen=True)
class Theme:
    """An idea theme residents can contribute to, tied to the proposal section it belongs to."""

    id: str
    document: str
    section: str
    title: dict[str, str]
    description: dict[str, str]
    questions: tuple[FollowUp, ...]


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything in knowledge/: documents, idea themes and a hash of the content."""

    documents: tuple[Document, ...]
    themes: tuple[Theme, ...]
    content_hash: str
    # Examples of messages the texts do not answer, per kind (OUTSIDE_KINDS); they teach search
    # what falls outside, never shown to anyone.
    outside: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def document(self, doc_id: str) -> Document | None:
        """The document with this id, if any."""
        return next((d for d in self.documents if d.id == doc_id), None)

    def theme(self, theme_id: str) -> Theme | None:
        """The idea theme with this id, if any."""
        return next((t for t in self.themes if t.id == theme_id), None)

    def proposal_sections(self) -> dict[str, str]:
        """Per idea theme, the section key (``doc#section``) of the proposal it belongs to."""
        return {t.id: f"{t.document}#{t.section}" for t in self.themes}

    def theme_title(self, theme_id: str, lang: str) -> str:
        """A theme's title in ``lang``, or its id when the theme is no longer in knowledge/."""
        theme = self.theme(theme_id)
        return theme.title[lang] if theme else theme_id


class _LineDict(dict[str, Any]):
    """A YAML mapping that remembers the line of itself and of each key."""

    line: int = 0
    key_lines: dict[str, int]


class _LineLoader(yaml.SafeLoader):
    """A safe loader whose mappings carry line numbers and refuse duplicate keys."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _LineDict:
    loader.flatten_mapping(node)
    mapping = _LineDict()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}'", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = key_node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_yaml(path: Path) -> Any:
    if path.is_dir():
        raise KnowledgeError(str(path), "is a folder, not a YAML file; rename or move it")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise KnowledgeError(str(path), "is not UTF-8 text") from exc
    except OSError as exc:
        raise KnowledgeError(str(path), f"cannot be read: {exc.strerror or exc}") from exc
    try:
        # _LineLoader is a SafeLoader subclass, so bandit's B506 does not apply.
        return yaml.load(text, Loader=_LineLoader)  # nosec B506
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise KnowledgeError(str(path), f"invalid YAML: {exc.problem or exc}", line=line) from exc
    except yaml.YAMLError as exc:
        raise KnowledgeError(str(path), f"invalid YAML: {exc}") from exc


class _Fields:
    """Typed access to one YAML mapping, raising KnowledgeError with file, field and line."""

    def __init__(self, path: Path, node: Any, where: str = "") -> None:
        self.path = str(path)
        self.where = where
        if not isinstance(node, dict):
            line = getattr(node, "line", None)
            raise KnowledgeError(
                self.path, "expected a mapping of fields", field=where or None, line=line
            )
        self.node = node

    def _line(self, key: str) -> int | None:
        lines = getattr(self.node, "key_lines", {})
        return lines.get(key, getattr(self.node, "line", None))

    def fail(self, key: str, problem: str) -> KnowledgeError:
        name = f"{self.where}.{key}" if self.where else key
        return KnowledgeError(self.path, problem, field=name, line=self._line(key))

    def allowed(self, names: set[str]) -> None:
        for key in self.node:
            if key not in names:
                raise self.fail(str(key), f"unknown field (allowed: {', '.join(sorted(names))})")

    def text(self, key: str, *, required: bool = True) -> str:
        value = self.node.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise self.fail(key, "is missing or empty")
            return ""
        if not isinstance(value, str):
            raise self.fail(key, "must be text")
        return value.strip()

    def slug(self, key: str) -> str:
        value = self.text(key)
        if not _SLUG.match(value):
            raise self.fail(key, f"'{value}' must be lowercase letters, digits, '-' or '_'")
        return value

    def text_list(self, key: str, *, slugs: bool = False) -> tuple[str, ...]:
        value = self.node.get(key, [])
        if value is None:
            value = []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(key, "must be a list of text")
        if slugs:
            bad = [v for v in value if not _SLUG.match(v)]
            if bad:
                raise self.fail(key, f"'{bad[0]}' must be lowercase letters, digits, '-' or '_'")
        return tuple(v.strip() for v in value)

    def date(self, key: str) -> dt.date:
        value = self.node.get(key)
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise self.fail(key, "must be a date like 2023-07-11")

    def languages(self, key: str) -> dict[str, str]:
        sub = _Fields(
            Path(self.path), self.node.get(key), f"{self.where}.{key}" if self.where else key
        )
        sub.allowed(set(LANGUAGES))
        return {lang: sub.text(lang) for lang in LANGUAGES}

    def phrases(self, key: str) -> tuple[str, ...]:
        """A list of one-line phrasings (``vragen``): text, no duplicates, at most 300 chars."""
        values = self.text_list(key)
        seen: set[str] = set()
        for value in values:
            folded = " ".join(value.lower().split())
            if folded in seen:
                raise self.fail(key, f"duplicate line '{value}'")
            if len(value) > 300 or "\n" in value:
                raise self.fail(
                    key, f"'{value[:40]}...' must be one line of at most 300 characters"
                )
            seen.add(folded)
        return values

    def items(self, key: str) -> list[Any]:
        value = self.node.get(key)
        if not isinstance(value, list) or not value:
            raise self.fail(key, "must be a non-empty list")
        return value


def _load_document(path: Path) -> Document:
    f = _Fields(path, _read_yaml(path))
    f.allowed(_DOC_FIELDS)
    kind = f.text("kind")
    if kind not in KINDS:
        raise f.fail("kind", f"unknown kind '{kind}' (allowed: {', '.join(KINDS)})")
    sections: list[Section] = []
    seen: set[str] = set()
    for i, node in enumerate(f.items("sections")):
        s = _Fields(path, node, f"sections[{i}]")
        s.allowed(_SECTION_FIELDS)
        section_id = s.slug("id")
        if section_id in seen:
            raise s.fail("id", f"duplicate section id '{section_id}'")
        seen.add(section_id)
        if section_id == ABOUT_SECTION:
            raise s.fail("id", f"'{ABOUT_SECTION}' is reserved for the document's over block")
        seen.add(section_id)
        kort = s.languages("kort") if "kort" in s.node else {}
        sections.append(
            Section(
                id=section_id,
                heading=s.text("heading"),
                text=s.text("text"),
                themes=s.text_list("themes", slugs=True),
                examples=s.text_list("examples"),
                vragen=s.phrases("vragen"),
                kort=kort,
            )
        )
    over: dict[str, str] = {}
    if "over" in f.node:
        o = _Fields(path, f.node["over"], "over")
        o.allowed(_OVER_FIELDS)
        over = {lang: o.text(lang) for lang in LANGUAGES}
        # The over block is answerable like a section: its Dutch text is the passage.
        sections.append(
            Section(
                id=ABOUT_SECTION,
                heading=ABOUT_HEADING["nl"],
                text=over["nl"],
                themes=(),
                vragen=o.phrases("vragen"),
                kort=over,
            )
        )
    return Document(
        id=f.slug("id"),
        title=f.text("title"),
        kind=kind,
        publisher=f.text("publisher"),
        date=f.date("date"),
        sections=tuple(sections),
        summary=f.text("summary", required=False),
        url=f.text("url", required=False),
        path=str(path),
        over=over,
    )


def _load_outside(path: Path) -> dict[str, tuple[str, ...]]:
    root = _Fields(path, _read_yaml(path))
    root.allowed(set(OUTSIDE_KINDS))
    return {kind: root.phrases(kind) for kind in OUTSIDE_KINDS if kind in root.node}


def _load_themes(path: Path, documents: dict[str, Document]) -> tuple[Theme, ...]:
    root = _Fields(path, _read_yaml(path))
    root.allowed({"themes"})
    themes: list[Theme] = []
    for i, node in enumerate(root.items("themes")):
        t = _Fields(path, node, f"themes[{i}]")
        t.allowed(_THEME_FIELDS)
        theme_id = t.slug("id")
        if any(x.id == theme_id for x in themes):
            raise t.fail("id", f"duplicate theme id '{theme_id}'")
        doc = documents.get(t.slug("document"))
        if doc is None:
            raise t.fail("document", f"no document with id '{t.text('document')}'")
        if doc.section(t.text("section")) is None:
            raise t.fail("section", f"document '{doc.id}' has no section '{t.text('section')}'")
        questions = []
        for j, q_node in enumerate(t.items("questions")):
            q = _Fields(path, q_node, f"themes[{i}].questions[{j}]")
            q.allowed({"id", *LANGUAGES})
            questions.append(FollowUp(id=q.slug("id"), text={lg: q.text(lg) for lg in LANGUAGES}))
        themes.append(
            Theme(
                id=theme_id,
                document=doc.id,
                section=t.text("section"),
                title=t.languages("title"),
                description=t.languages("description"),
                questions=tuple(questions),
            )
        )
    return tuple(themes)


def content_hash(knowledge_dir: Path) -> str:
    """A hash of every YAML file in the knowledge directory (names and bytes)."""
    digest = hashlib.sha256()
    for path in sorted(knowledge_dir.glob("*.yaml")):
        if path.is_dir():  # refused by load_knowledge; here it only must not crash
            digest.update(path.name.encode() + b"\0/\0")
            continue
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def with_learned(kb: KnowledgeBase, learned: Mapping[str, Sequence[str]]) -> KnowledgeBase:
    """The knowledge base with phrasings maintainers learned from residents' questions (per
    section key "doc#section", from the console) added to the sections' ``vragen``; its hash
    covers them, so an index built without them is stale. Phrasings of a section that no longer
    exists are left out."""
    if not learned:
        return kb
    digest = hashlib.sha256(kb.content_hash.encode())
    documents = []
    for doc in kb.documents:
        sections = []
        for section in doc.sections:
            extra = [
                q for q in learned.get(f"{doc.id}#{section.id}", ()) if q not in section.vragen
            ]
            for q in extra:
                digest.update(f"\0{doc.id}#{section.id}\0{q}".encode())
            sections.append(replace(section, vragen=section.vragen + tuple(extra)))
        documents.append(replace(doc, sections=tuple(sections)))
    return replace(kb, documents=tuple(documents), content_hash=digest.hexdigest())


def load_knowledge(knowledge_dir: Path) -> KnowledgeBase:
    """Load and validate every document and the themes; raise KnowledgeError on the first fault."""
    if not knowledge_dir.is_dir():
        raise KnowledgeError(str(knowledge_dir), "knowledge directory not found")
    documents: dict[str, Document] = {}
    for path in sorted(knowledge_dir.glob("*.yaml")):
        if path.name in (THEMES_FILE, OUTSIDE_FILE):
            continue
        doc = _load_document(path)
        if doc.id in documents:
            raise KnowledgeError(
                str(path),
                f"duplicate document id '{doc.id}' (also in {documents[doc.id].path})",
                field="id",
            )
        documents[doc.id] = doc
    if not documents:
        raise KnowledgeError(str(knowledge_dir), "contains no document files (*.yaml)")
    themes_path = knowledge_dir / THEMES_FILE
    themes = _load_themes(themes_path, documents) if themes_path.exists() else ()
    outside_path = knowledge_dir / OUTSIDE_FILE
    outside = _load_outside(outside_path) if outside_path.exists() else {}
    return KnowledgeBase(
        documents=tuple(documents.values()),
        themes=themes,
        outside=outside,
        content_hash=content_hash(knowledge_dir),
    )
