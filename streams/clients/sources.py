"""Read articles from files (.txt, .json, .jsonl, or directories of them) for replay and offline runs."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import orjson

from processors.evaluation import gum_document
from schemas import RawArticle
from streams.settings import PROJECT_ROOT

SUFFIXES = (".txt", ".json", ".jsonl")

# The shared development set beside the checkout (../shared/dev): labelled articles and GUM texts.
DEV_SET = PROJECT_ROOT.parent / "shared" / "dev"


class SourceError(ValueError):
    """A file that cannot be read as articles; the message names the file (and line)."""


def iter_files(paths: list[Path]) -> Iterator[Path]:
    """Files in the order given; directories expand to their article files, sorted by name."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
        elif path.is_file():
            yield path
        else:
            raise SourceError(f"{path}: no such file or directory")


def load_articles(paths: list[Path]) -> Iterator[RawArticle]:
    for path in iter_files(paths):
        yield from load_file(path)


def load_file(path: Path) -> Iterator[RawArticle]:
    if path.suffix == ".txt":
        yield _from_text(path)
    elif path.suffix == ".jsonl":
        for lineno, line in enumerate(path.read_bytes().splitlines(), 1):
            if line.strip():
                yield _from_json(_parse(line, f"{path}:{lineno}"), f"{path}:{lineno}")
    elif path.suffix == ".json":
        data = _parse(path.read_bytes(), str(path))
        for i, obj in enumerate(data if isinstance(data, list) else [data]):
            yield _from_json(obj, f"{path}[{i}]")
    else:
        raise SourceError(f"{path}: unsupported file type (use {', '.join(SUFFIXES)})")


def _parse(data: bytes, where: str) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise SourceError(f"{where}: not valid JSON ({exc})") from None


def _from_text(path: Path) -> RawArticle:
    """A plain-text article: the title on the first line, the body after it."""
    text = path.read_text(encoding="utf-8")
    title, _, body = text.lstrip().partition("\n")
    if not body.strip():
        raise SourceError(f"{path}: no body after the title line")
    return RawArticle(id=path.stem, title=title.strip(), body=body, source=f"file:{path.name}")


def _from_json(obj: Any, where: str) -> RawArticle:
    """A RawArticle object, or a labelled development article (its labels are ignored)."""
    if not isinstance(obj, dict):
        raise SourceError(f"{where}: expected a JSON object")
    fields = {k: obj[k] for k in RawArticle.model_fields if k in obj}
    if "published_at" not in fields and obj.get("published"):
        fields["published_at"] = _as_datetime(obj["published"])
    if "source" in fields and not isinstance(fields["source"], str | None):
        fields.pop("source")
    try:
        return RawArticle.model_validate(fields)
    except ValueError as exc:
        raise SourceError(f"{where}: {exc}") from None


def _as_datetime(value: Any) -> Any:
    try:
        return datetime.combine(date.fromisoformat(str(value)), time(), tzinfo=UTC)
    except ValueError:
        return value


def load_corpus(
    corpus_dir: Path | None = None, seeds_dir: Path = PROJECT_ROOT / "seeds"
) -> tuple[list[RawArticle], str]:
    """The seed, the development articles and the GUM news texts (the bench and chaos corpus); returns
    them and where they came from.

    A corpus directory given explicitly must exist. Without the default one (the shared development
    set that CI puts beside the clone), falls back to seeds/ and says so in the origin ("... missing)").
    """
    articles = [a for path in sorted(seeds_dir.glob("*.txt")) for a in load_file(path)]
    explicit = corpus_dir is not None
    corpus_dir = corpus_dir or DEV_SET
    dev_dir, gum_dir = corpus_dir / "articles", corpus_dir / "gum_news" / "derived"
    if not dev_dir.is_dir() and not gum_dir.is_dir():
        if explicit:
            raise SourceError(f"{corpus_dir}: no articles/ or gum_news/derived/ in it (the shared dev set)")
        if not articles:
            raise SourceError(f"no corpus: neither {corpus_dir} nor {seeds_dir} has articles")
        return articles, f"{seeds_dir} only ({corpus_dir} missing)"
    seed_bodies = {a.body.strip() for a in articles}
    for path in sorted(dev_dir.glob("*.json")):
        articles.extend(a for a in load_file(path) if a.body.strip() not in seed_bodies)
    for path in sorted(gum_dir.glob("*.json")):
        articles.append(gum_article(orjson.loads(path.read_bytes()), path.stem))
    return articles, f"seeds/ + {dev_dir} + {gum_dir}"


def gum_article(doc: dict[str, Any], name: str = "") -> RawArticle:
    """A GUM derived document as an article, split exactly as `newsfeed eval` scores it
    (processors.evaluation.gum_document: the headline is the title, the date line is dropped)."""
    part = gum_document(doc)
    return RawArticle(
        id=str(part.doc_id or name), title=part.title, body=part.body, url=doc.get("source_url"), source="gum"
    )
