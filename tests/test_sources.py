"""Reading articles from files: the formats `replay` and `process` accept."""

from pathlib import Path

import orjson
import pytest

from streams.clients.replay import repeated
from streams.clients.sources import SourceError, load_articles
from streams.settings import PROJECT_ROOT

SHARED_DEV = PROJECT_ROOT.parent / "shared" / "dev" / "articles"


def test_text_file_has_the_title_on_its_first_line() -> None:
    (seed,) = load_articles([PROJECT_ROOT / "seeds"])
    assert seed.title.startswith("Ukraine and Russia Hold Talks")
    assert seed.body.lstrip().startswith("Ukraine and Russia held their first round of talks")
    assert seed.id == "000_a7d4b63ea917bee8"


def test_json_and_jsonl_articles(tmp_path: Path) -> None:
    one = {
        "id": "a",
        "title": "T",
        "body": "B.",
        "url": "https://x/a",
        "published_at": "2024-01-02T03:04:05Z",
    }
    (tmp_path / "one.json").write_bytes(orjson.dumps(one))
    (tmp_path / "many.jsonl").write_bytes(b"\n".join(orjson.dumps({**one, "id": i}) for i in ("b", "c")))
    ids = [a.id for a in load_articles([tmp_path])]
    assert ids == ["b", "c", "a"]  # directory order is by file name


@pytest.mark.skipif(not SHARED_DEV.is_dir(), reason="shared dev set not present")
def test_labelled_dev_article_loads_as_raw_article() -> None:
    (art,) = load_articles([SHARED_DEV / "dev-001.json"])
    assert art.id == "dev-001" and art.published_at is not None and art.published_at.year == 2008


def test_clear_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"body": "ok"}\n{broken\n')
    with pytest.raises(SourceError, match=r"bad.jsonl:2: not valid JSON"):
        list(load_articles([bad]))
    with pytest.raises(SourceError, match="no such file"):
        list(load_articles([tmp_path / "missing.txt"]))


def test_repeat_gives_distinct_ids_per_copy() -> None:
    arts = list(load_articles([PROJECT_ROOT / "seeds"]))
    ids = [a.id for a in repeated(arts, 3)]
    assert ids == ["000_a7d4b63ea917bee8", "000_a7d4b63ea917bee8~1", "000_a7d4b63ea917bee8~2"]
