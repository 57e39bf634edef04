"""The command line: every command parses and names a handler that exists; errors come out as one
line naming what to fix, with the exit codes scripts rely on."""

import argparse
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams import cli
from streams.settings import get_settings


def commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every command and action with its parser, e.g. ("broker", "start")."""
    groups = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    for group in groups:
        for name, sub in group.choices.items():
            yield (*path, name), sub
            yield from commands(sub, (*path, name))


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_every_command_names_a_handler_that_exists() -> None:
    found = dict(commands(cli.build_parser()))
    assert {("worker",), ("broker", "start"), ("dlq", "replay"), ("desk", "adduser")} <= found.keys()
    for path, parser in found.items():
        run = parser.get_default("run")
        assert run is None or callable(cli.handler(run)), path
    assert found[("dlq",)].get_default("run") is None  # a group: prints its help
    assert found[("dlq", "list")].get_default("run") == "streams.commands.clients:cmd_dlq_list"


def test_the_commands_of_the_readme_parse_with_their_defaults() -> None:
    parse = cli.build_parser().parse_args
    worker = parse(["worker"])
    assert (worker.role, worker.loglevel, worker.run) == ("all", "info", "streams.commands.worker:cmd_worker")
    replay = parse(["replay", "seeds/", "--repeat", "10"])
    assert replay.paths == [Path("seeds/")] and replay.repeat == 10 and replay.rate is None
    assert parse(["broker", "start"]).nodes == 1 and parse(["broker", "kill", "2"]).nodes == 3
    assert parse(["demo"]).paths == [Path("seeds")]


def test_no_command_prints_the_usage_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    assert "quick start:" in capsys.readouterr().out


def test_a_group_without_its_action_prints_the_group_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["dlq"]) == 0
    out = capsys.readouterr().out
    assert "usage: newsfeed dlq" in out and "replay" in out and "list" in out


def test_a_bad_option_is_argparse_usage_error_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["worker", "--role", "everything"])
    assert exit_.value.code == 2
    assert "invalid choice: 'everything'" in capsys.readouterr().err


def test_a_missing_file_is_one_line_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere.json"
    assert cli.main(["replay", str(missing)]) == 1
    err = capsys.readouterr().err
    assert err == f"newsfeed: error: {missing}: no such file or directory\n"


def test_eval_refuses_a_label_dir_that_is_not_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["eval", str(tmp_path / "labels")]) == 1
    assert capsys.readouterr().err == f"newsfeed: error: {tmp_path / 'labels'}: not a directory\n"


def test_an_invalid_setting_is_named_by_its_variable_and_its_value_not_echoed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NEWSFEED_BATCH_SIZE", "lots-secret")
    assert cli.main(["status"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("newsfeed: error: NEWSFEED_BATCH_SIZE: ") and "lots-secret" not in err


def test_command_errors_are_one_line_without_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("NEWSFEED_NOTIFY_WEBHOOKS", raising=False)
    assert cli.main(["notify"]) == 1
    assert capsys.readouterr().err == (
        "newsfeed: error: no webhooks: set NEWSFEED_NOTIFY_WEBHOOKS (a JSON list, see README.md)\n"
    )
    assert cli.main(["broker", "start", "--secure", "--nodes", "3"]) == 1
    assert "--secure starts the single broker only" in capsys.readouterr().err


def test_a_message_a_command_could_not_validate_is_not_called_a_setting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from schemas import RawArticle

    def reads_a_bad_message(args: argparse.Namespace, settings: object) -> int:
        RawArticle.model_validate({"title": 7})
        return 0

    monkeypatch.setattr("streams.commands.clients.cmd_status", reads_a_bad_message)
    assert cli.main(["status"]) == 1
    (line,) = capsys.readouterr().err.splitlines()[:1]
    assert line.startswith("newsfeed: error: invalid RawArticle: ") and "NEWSFEED_" not in line


def test_an_unexpected_error_keeps_its_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(args: argparse.Namespace, settings: object) -> int:
        raise ZeroDivisionError("a bug, not a user error")

    monkeypatch.setattr("streams.commands.clients.cmd_status", broken)
    with pytest.raises(ZeroDivisionError):
        cli.main(["status"])


def test_help_imports_no_handler_module() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from streams import cli\n"
        "try: cli.main(['bench', '--help'])\n"
        "except SystemExit: pass\n"
        "heavy = ('streams.commands', 'streams.ops', 'faust', 'spacy')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("[]"), out
