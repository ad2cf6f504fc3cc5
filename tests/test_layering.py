"""Dependency rules of the code base, read from the source (no import is executed):
no import cycle among the modules of ``hdr_live`` or of ``training``, and ``hdr_live`` never
imports ``training``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(path: Path, module: str) -> set[str]:
    """Every module name ``path`` imports (``from a import b`` counts ``a`` and ``a.b``)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            out.add(base)
            out |= {f"{base}.{a.name}" for a in node.names}
    return out


def import_graph(package: str) -> dict[str, set[str]]:
    """Module → the modules of ``package`` it imports (itself left out)."""
    files = {_module_name(p): p for p in (ROOT / package).rglob("*.py")}
    return {m: {i for i in _imported(p, m) if i in files and i != m} for m, p in files.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first = last), or None."""
    state: dict[str, int] = {}  # 1 = on the DFS path, 2 = done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)) is not None:
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)) is not None:
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle_and_accepts_a_tree():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


@pytest.mark.parametrize("package", ["hdr_live", "training"])
def test_no_import_cycle(package):
    cycle = find_cycle(import_graph(package))
    assert cycle is None, " -> ".join(cycle or [])


def test_the_package_never_imports_training():
    offenders = sorted(
        f"{p.relative_to(ROOT)} imports {name}"
        for p in (ROOT / "hdr_live").rglob("*.py")
        for name in _imported(p, _module_name(p))
        if name == "training" or name.startswith("training.")
    )
    assert not offenders, offenders


def test_the_import_contracts_hold():
    """The contracts of .importlinter (import-linter): hdr_live never imports training; the
    pipeline, stages and models import nothing of the runtime, the live loop, the CLI or Qt;
    stages, models and geometry do not import the pipeline, the builder or the 3D stage; the
    UI imports no torch itself."""
    import shutil
    import subprocess
    import sys

    lint = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    if not Path(lint).exists():
        pytest.skip("import-linter is not installed (the dev extra)")
    done = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:]

