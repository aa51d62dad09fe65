"""The shape of the package: imports point down the layers only (docs/architecture.md).

Every module under ``posture/`` is parsed with :mod:`ast`, and every import in
it counts, wherever it stands: at the top, inside a function, under
``if TYPE_CHECKING:`` or in a ``try``. Each module takes its place from
:data:`LAYERS`, an explicit table from the bottom up; a module the table does
not place fails the test until it is added. The rules:

* an import points to a lower tier only; two units of one tier do not import
  each other (``pipeline`` and ``combine`` are peers, not a chain);
* inside a package with an order of its own (``stages/``, ``stages/measure/``)
  the same holds between its parts; inside a package without one
  (``batching/``, ``cli/``, ``render/``...) its modules may import one another;
* no import circle, anywhere;
* no private name (``_x``) crosses modules, imported or read as an attribute
  of an imported module;
* no module is longer than :data:`MAX_LINES` lines;
* nothing inside imports the façade ``posture/__init__.py``.

``python3 ../shared/tools/imports_check.py posture`` counts circles, private
imports and long modules the same way. docs/architecture.md shows the same
table, in the same order.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "posture"
ARCHITECTURE = PACKAGE.parent / "docs" / "architecture.md"
MAX_LINES = 600


@dataclass(frozen=True, slots=True)
class Unit:
    """A module, or a package of modules, in the layer table.

    Attributes:
        name: its dotted name.
        order: for a package whose parts are ordered too, its tiers from the
            bottom up (each a tuple of units that may not import one another);
            None for a module, or a package whose modules may import one another.
    """

    name: str
    order: tuple[tuple[Unit, ...], ...] | None = None


Tier = tuple[Unit, ...]


def tier(*names: str) -> Tier:
    return tuple(Unit(f"posture.{name}") for name in names)


MEASURE = Unit("posture.stages.measure", (
    tier("stages.measure.outline", "stages.measure.marker_labels"),
    tier("stages.measure.bodies"),
    # The head angle reads C7 off the neck's outline (silhouette), which takes its trunk line from the landmarks.
    tier("stages.measure.landmark", "stages.measure.markers"),
    tier("stages.measure.silhouette"),
    tier("stages.measure.head"),
    tier("stages.measure.views"),
))

STAGES = Unit("posture.stages", (
    tier("stages.detect"),
    tier("stages.gate"),
    tier("stages.plausibility"),
    tier("stages.pose_checks"),
    tier("stages.lines"),
    tier("stages.level"),
    tier("stages.frame"),
    (MEASURE,),
    tier("stages.findings"),
    tier("stages.copies"),
    tier("stages.witnesses"),
    tier("stages.sway", "stages.gait"),
))

LAYERS: tuple[Tier, ...] = (
    tier("_version", "errors", "limits", "_native"),
    tier("core"),
    tier("knowledge"),
    tier("io"),
    (STAGES,),
    tier("analysis"),
    tier("pipeline", "combine"),
    tier("clip"),
    tier("analyzer", "compare"),
    tier("render"),
    tier("batching"),
    tier("serve"),
    tier("cli"),
    tier("__main__"),  # `python -m posture`: starts the command line, and nothing imports it
    (Unit("posture"),),  # the façade: matched by its own name only, not as the package holding every module
)
"""Every module's place, from the bottom layer up (docs/architecture.md)."""


# ------------------------------------------------------------------ reading the package


@dataclass(frozen=True, slots=True)
class Import:
    """One import of a module of the package.

    Attributes:
        line: where it stands in the importer.
        target: the module it reads.
        names: the names it takes (empty for ``import x.y``).
        text: the statement, for messages (one name of a ``from`` import).
        alias: the local name bound to the target module itself, if any
            (``from a import b`` or ``import a.b as b``), to find reads of its private attributes.
    """

    line: int
    target: str
    names: tuple[str, ...]
    text: str
    alias: str | None


def modules(package: Path) -> dict[str, Path]:
    """Dotted name → file of every module under ``package`` (a package is named by its ``__init__.py``)."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(module: str, tree: ast.Module, is_package: bool, known: Mapping[str, Path]) -> list[Import]:
    """Every import of another module of the package, anywhere in ``tree``, in source order.

    ``from a.b import c`` reads the module ``a.b.c`` when there is one, else ``a.b``.
    """
    root = module.split(".")[0]
    statements = sorted((node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))),
                        key=lambda node: (node.lineno, node.col_offset))
    found = []
    for node in statements:
        if isinstance(node, ast.Import):
            found += [Import(node.lineno, alias.name, (), f"import {alias.name}", alias.asname)
                      for alias in node.names if alias.name.split(".")[0] == root]
            continue
        if node.level:
            # A package's own name counts as a level: `from . import x` inside a/__init__.py reads a.x.
            here = module.split(".") + (["__init__"] if is_package else [])
            base = ".".join(here[: len(here) - node.level] + ([node.module] if node.module else []))
        else:
            base = node.module or ""
        if base.split(".")[0] != root:
            continue
        for alias in node.names:
            submodule = f"{base}.{alias.name}"
            written = f"from {'.' * node.level}{node.module or ''} import {alias.name}"
            found.append(Import(node.lineno, submodule if submodule in known else base, (alias.name,), written,
                                (alias.asname or alias.name) if submodule in known else None))
    return [i for i in found if i.target in known and i.target != module]


def private_attributes(tree: ast.Module, found: list[Import]) -> list[tuple[int, str]]:
    """``(line, "module._name")`` for each private attribute read from a module this one imported."""
    bound = {i.alias: i.target for i in found if i.alias}
    return [(node.lineno, f"{bound[node.value.id]}.{node.attr}") for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in bound
            and _private(node.attr)]


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


# ------------------------------------------------------------------ placing modules in the table


Place = tuple[tuple[int, Unit], ...]
"""A module's place: at each depth of the table, the rank of its tier and its unit."""


def _inside(unit: Unit) -> bool:
    """Whether modules below ``unit``'s name belong to it: not for the package's own name, the façade."""
    return "." in unit.name


def _facade(module: str) -> bool:
    return "." not in module


def place(module: str, layers: Sequence[Tier] = LAYERS) -> Place | None:
    """Where ``module`` sits in ``layers``, or None when the table does not place it."""
    path: list[tuple[int, Unit]] = []
    tiers: Sequence[Tier] = layers
    while True:
        found = next(((rank, unit) for rank, units in enumerate(tiers) for unit in units
                      if module == unit.name or (_inside(unit) and module.startswith(f"{unit.name}."))), None)
        if found is None:
            return None  # also a part of an ordered package that its order does not name
        path.append(found)
        unit = found[1]
        if unit.order is None or module == unit.name:
            return tuple(path)
        tiers = unit.order


def direction(importer: Place, imported: Place) -> str | None:
    """Why an import from ``importer`` to ``imported`` breaks the order, or None when it points down."""
    for (rank_a, unit_a), (rank_b, unit_b) in zip(importer, imported):
        if unit_a == unit_b:
            continue
        if rank_b < rank_a:
            return None
        if rank_b > rank_a:
            return f"upward: {unit_a.name} sits below {unit_b.name} in the layer table, and imports point down only"
        return (f"sideways: {unit_a.name} and {unit_b.name} share a tier of the layer table, "
                "and units of one tier do not import one another")
    if len(importer) > len(imported):
        return f"upward: {imported[-1][1].name}'s __init__ sits above its own parts"
    # A package's __init__ importing its own ordered parts, or two modules of a package without an order
    # (whose circles are a rule of their own).
    return None


# ------------------------------------------------------------------ the rules


@dataclass(frozen=True, slots=True)
class Tree:
    """A package read once: its modules, their lengths and imports, and reads of private attributes."""

    files: dict[str, Path]
    lines: dict[str, int]
    edges: dict[str, list[Import]]
    private_reads: dict[str, list[tuple[int, str]]]

    @classmethod
    def read(cls, package: Path) -> Tree:
        files = modules(package)
        sources = {name: path.read_text(encoding="utf-8") for name, path in files.items()}
        trees = {name: ast.parse(source) for name, source in sources.items()}
        edges = {name: imports(name, trees[name], files[name].name == "__init__.py", files) for name in files}
        return cls(files=files,
                   lines={name: source.count("\n") for name, source in sources.items()},  # as imports_check.py
                   edges=edges,
                   private_reads={name: private_attributes(trees[name], edges[name]) for name in files})


def unplaced(tree: Tree, layers: Sequence[Tier] = LAYERS) -> list[str]:
    return [f"{module} has no place in the layer table: add it to LAYERS in tests/test_architecture.py "
            "(and to docs/architecture.md)" for module in tree.files if place(module, layers) is None]


def wrong_way(tree: Tree, layers: Sequence[Tier] = LAYERS) -> list[str]:
    problems = []
    for module, found in tree.edges.items():
        here = place(module, layers)
        for i in found:
            there = place(i.target, layers)
            if here is None or there is None or _facade(i.target):
                continue  # reported by unplaced() and facade_imports()
            why = direction(here, there)
            if why:
                problems.append(f"{module} imports {i.target} (line {i.line}: `{i.text}`): {why}")
    return problems


def facade_imports(tree: Tree) -> list[str]:
    return [f"{module} imports the façade {i.target} (line {i.line}: `{i.text}`): nothing inside the package "
            "imports its façade; import the module that defines the name (e.g. posture._version for __version__)"
            for module, found in tree.edges.items() for i in found if _facade(i.target)]


def circles(tree: Tree) -> list[str]:
    """Each import circle (a strongly connected group of modules), found with Tarjan's algorithm."""
    graph = {module: sorted({i.target for i in found}) for module, found in tree.edges.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in graph[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in graph:
        if module not in index:
            visit(module)
    problems = []
    for group in groups:
        inside = "; ".join(f"{module} imports {i.target} (line {i.line})" for module in group
                           for i in tree.edges[module] if i.target in group)
        problems.append(f"import circle among {', '.join(group)}: {inside}; one of these imports must go")
    return problems


def private_imports(tree: Tree) -> list[str]:
    problems = [f"{module} imports the private name {name} from {i.target} (line {i.line}: `{i.text}`): "
                "a name starting with _ belongs to its module; make it public or move the code that needs it"
                for module, found in tree.edges.items() for i in found for name in i.names if _private(name)]
    problems += [f"{module} reads the private attribute {attribute} (line {line}): a name starting with _ "
                 "belongs to its module; make it public or move the code that needs it"
                 for module, reads in tree.private_reads.items() for line, attribute in reads]
    return problems


def long_modules(tree: Tree) -> list[str]:
    return [f"{module} has {lines} lines, more than {MAX_LINES}: split it by concern"
            for module, lines in tree.lines.items() if lines > MAX_LINES]


@pytest.fixture(scope="module")
def tree() -> Tree:
    return Tree.read(PACKAGE)


def test_every_module_has_a_place_in_the_layer_table(tree: Tree) -> None:
    problems = unplaced(tree)
    assert not problems, "\n".join(problems)


def test_imports_point_down_the_layers_only(tree: Tree) -> None:
    problems = wrong_way(tree)
    assert not problems, "\n".join(problems)


def test_nothing_inside_imports_the_facade(tree: Tree) -> None:
    problems = facade_imports(tree)
    assert not problems, "\n".join(problems)


def test_no_import_circle(tree: Tree) -> None:
    problems = circles(tree)
    assert not problems, "\n".join(problems)


def test_no_private_name_crosses_modules(tree: Tree) -> None:
    problems = private_imports(tree)
    assert not problems, "\n".join(problems)


def test_no_module_is_longer_than_the_limit(tree: Tree) -> None:
    problems = long_modules(tree)
    assert not problems, "\n".join(problems)


def _path(unit: Unit) -> str:
    """The unit as the architecture page writes it: ``stages/detect.py``, ``core/``, ``__init__.py``."""
    parts = unit.name.split(".")[1:]
    if not parts:
        return "__init__.py"
    path = "/".join(parts)
    return f"{path}/" if (PACKAGE / path).is_dir() else f"{path}.py"


def test_the_architecture_page_shows_the_table_in_its_order() -> None:
    page = ARCHITECTURE.read_text(encoding="utf-8")
    layers = page[page.index("## The layers"):page.index("## The rule")]
    ordered = [unit for units in LAYERS for unit in units]
    ordered[ordered.index(STAGES) + 1:ordered.index(STAGES) + 1] = [unit for units in STAGES.order or ()
                                                                   for unit in units]
    missing = [_path(unit) for unit in ordered if f"`{_path(unit)}`" not in layers]
    assert not missing, f"docs/architecture.md's layer table lacks {missing}"
    positions = [layers.index(f"`{_path(unit)}`") for unit in ordered]
    assert positions == sorted(positions), "docs/architecture.md lists the layers in another order than LAYERS"
    measure_order = " → ".join(", ".join(unit.name.rsplit(".", 1)[1] for unit in units)
                               for units in MEASURE.order or ())
    assert measure_order in layers, f"docs/architecture.md should give stages/measure/'s order as {measure_order!r}"


def test_the_table_is_read_from_every_module(tree: Tree) -> None:
    # A walk that found no modules, or no imports, would pass every rule above.
    assert {"posture", "posture.pipeline", "posture.stages.measure.views", "posture.cli.main"} <= set(tree.files)
    assert any(i.target == "posture.knowledge.registry" for i in tree.edges["posture.stages.findings"])


# ------------------------------------------------------------------ the rules on a made-up package


def write(root: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        path = root / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return root / "pkg"


MADE_UP_LAYERS: tuple[Tier, ...] = (
    (Unit("pkg.base"), Unit("pkg.other")),
    (Unit("pkg.steps", ((Unit("pkg.steps.first"),), (Unit("pkg.steps.second"),))),),
    (Unit("pkg.top"),),
    (Unit("pkg.free"),),
    (Unit("pkg"),),
)


@pytest.fixture
def made_up(tmp_path: Path) -> Tree:
    """A small package that breaks each rule once, in each place an import can hide."""
    return Tree.read(write(tmp_path, {
        "__init__.py": "from pkg.top import T\n",
        "base.py": "X = 1\n_secret = 2\n",
        "other.py": "from pkg.base import X\n",
        "steps/__init__.py": "from pkg.steps import first\nNAME = 1\n",
        "steps/first.py": "def f():\n    from pkg.top import T\n    return T\n",
        "steps/second.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.top import T\n"
                           "from . import first\nfrom pkg.steps import NAME\n",
        # Binding a public name to a private alias is no private import.
        "top.py": "from pkg.base import X as _X\nfrom pkg.base import _secret\nT = 1\n",
        "free/__init__.py": "",
        "free/a.py": "from pkg.free import b\nx = 1\n",
        "free/b.py": "from pkg.free.a import x\nimport pkg.base as base\nfrom pkg import steps\nY = base._secret\n",
        "free/c.py": "from pkg import T\n" + "n = 1\n" * MAX_LINES,
        "steps/extra.py": "",
        "stray.py": "",
    }))


def test_a_module_the_table_does_not_place_is_named(made_up: Tree) -> None:
    # In a package with an order of its own, each part needs its place too.
    assert unplaced(made_up, MADE_UP_LAYERS) == [
        f"{module} has no place in the layer table: add it to LAYERS in tests/test_architecture.py "
        "(and to docs/architecture.md)" for module in ("pkg.steps.extra", "pkg.stray")]


def test_imports_up_or_sideways_are_found_wherever_they_stand(made_up: Tree) -> None:
    assert wrong_way(made_up, MADE_UP_LAYERS) == [
        "pkg.other imports pkg.base (line 1: `from pkg.base import X`): sideways: pkg.other and pkg.base share a "
        "tier of the layer table, and units of one tier do not import one another",
        "pkg.steps.first imports pkg.top (line 2: `from pkg.top import T`): upward: pkg.steps sits below pkg.top "
        "in the layer table, and imports point down only",
        "pkg.steps.second imports pkg.top (line 3: `from pkg.top import T`): upward: pkg.steps sits below pkg.top "
        "in the layer table, and imports point down only",
        "pkg.steps.second imports pkg.steps (line 5: `from pkg.steps import NAME`): upward: pkg.steps's __init__ "
        "sits above its own parts",
    ]


def test_a_package_init_may_import_its_own_parts_and_relative_imports_resolve(made_up: Tree) -> None:
    assert [i.target for i in made_up.edges["pkg.steps"]] == ["pkg.steps.first"]
    assert [i.target for i in made_up.edges["pkg.steps.second"]] == ["pkg.top", "pkg.steps.first", "pkg.steps"]
    assert [i.target for i in made_up.edges["pkg.free.b"]] == ["pkg.free.a", "pkg.base", "pkg.steps"]


def test_the_facade_the_circles_the_private_names_and_the_length_are_found(made_up: Tree) -> None:
    assert facade_imports(made_up) == [
        "pkg.free.c imports the façade pkg (line 1: `from pkg import T`): nothing inside the package imports its "
        "façade; import the module that defines the name (e.g. posture._version for __version__)"]
    assert circles(made_up) == [
        "import circle among pkg.free.a, pkg.free.b: pkg.free.a imports pkg.free.b (line 1); "
        "pkg.free.b imports pkg.free.a (line 1); one of these imports must go"]
    assert [problem.split(":")[0] for problem in private_imports(made_up)] == [
        "pkg.top imports the private name _secret from pkg.base (line 2",
        "pkg.free.b reads the private attribute pkg.base._secret (line 4)"]
    assert long_modules(made_up) == [
        f"pkg.free.c has {MAX_LINES + 1} lines, more than {MAX_LINES}: split it by concern"]
