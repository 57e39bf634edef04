"""The layout holds: imports run streams -> processors -> schemas, and what runs in production
(streams/ top level, desk/, notify/) never imports the operator tools (streams/ops/) or the client
tools (streams/clients/). Lazy imports inside functions count too."""

import ast
from pathlib import Path

import pytest

from streams.settings import PROJECT_ROOT

CLI = PROJECT_ROOT / "streams" / "cli.py"  # assembles every command, so it may import anything


def modules(package: str) -> list[Path]:
    return sorted((PROJECT_ROOT / package).rglob("*.py"))


def imported(path: Path) -> set[str]:
    """Every module a file imports, anywhere in it; `from streams import x` counts as streams.x."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def shown(path: Path) -> str:
    return str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else path.name


def offending(paths: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{shown(path)} imports {name}"
        for path in paths
        for name in sorted(imported(path))
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    ]


def production() -> list[Path]:
    top = [p for p in (PROJECT_ROOT / "streams").glob("*.py") if p != CLI]
    return sorted(top + modules("streams/desk") + modules("streams/notify"))


def test_production_modules_never_import_operator_or_client_tools() -> None:
    assert production(), "no production modules found"
    assert offending(production(), ("streams.ops", "streams.clients")) == []


def test_client_tools_never_import_operator_tools() -> None:
    assert offending(modules("streams/clients"), ("streams.ops",)) == []


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [("processors", ("streams",)), ("schemas", ("streams", "processors"))],
)
def test_imports_run_streams_processors_schemas_never_back(package: str, forbidden: tuple[str, ...]) -> None:
    assert offending(modules(package), forbidden) == []


def test_the_check_sees_lazy_imports(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from streams import ops\n    import streams.ops.bench.run\n")
    assert offending([module], ("streams.ops",)) == [
        "m.py imports streams.ops",
        "m.py imports streams.ops.bench.run",
    ]


BROKER_FIXTURES = {"kafka_broker", "worker"}


def broker_tests(path: Path) -> list[str]:
    """Test functions of a module that take a fixture needing the real broker."""
    return [
        node.name
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.FunctionDef) and {a.arg for a in node.args.args} & BROKER_FIXTURES
    ]


def test_broker_backed_tests_are_in_tests_integration() -> None:
    tests_dir = PROJECT_ROOT / "tests"
    assert broker_tests(tests_dir / "integration" / "test_stream_integration.py")  # the check sees them
    outside = {shown(p): names for p in sorted(tests_dir.glob("test_*.py")) if (names := broker_tests(p))}
    assert outside == {}
