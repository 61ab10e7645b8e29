"""All SQL is parameterised: no statement text is built from values.

Every call that runs SQL text (``execute``, ``executemany``, ``executescript``,
``exec_driver_sql``, ``text``) across ``journal_pipeline/`` is read with `ast`: its statement
may be a literal, a SQLAlchemy construct or a name bound to one, never an f-string, a
``%``-format, a ``+`` concatenation or a ``.format()`` call (directly or through a local
variable assigned so). Values go in as bound parameters.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "journal_pipeline"
SQL_CALLS = {"execute", "executemany", "executescript", "exec_driver_sql", "text"}


def _built(node: ast.AST) -> bool:
    """Whether ``node`` builds a string from parts at run time."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        return _stringish(node.left) or _stringish(node.right) or _built(node.left)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr in ("format", "join") and _stringish(node.func.value)
    return False


def _stringish(node: ast.AST) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)) or _built(node)


def _call_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return None


def _scopes(tree: ast.Module) -> list[ast.AST]:
    return [
        tree,
        *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)),
    ]


def _own_nodes(scope: ast.AST) -> list[ast.AST]:
    """The nodes of ``scope`` outside its nested functions (they are scopes of their own)."""
    found: list[ast.AST] = []
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        found.append(node)
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            stack.extend(ast.iter_child_nodes(node))
    return found


def unsafe_sql(source: str, filename: str) -> list[str]:
    """``file:line: call`` for each SQL call whose statement is built from values."""
    tree = ast.parse(source, filename)
    findings = []
    for scope in _scopes(tree):
        nodes = _own_nodes(scope)
        built_names = {
            target.id
            for node in nodes
            if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign)
            and node.value is not None
            and (_built(node.value) or isinstance(node, ast.AugAssign))
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(target, ast.Name)
        }
        for node in nodes:
            if not isinstance(node, ast.Call) or _call_name(node) not in SQL_CALLS:
                continue
            statement = node.args[0] if node.args else None
            if statement is None:
                continue
            if _built(statement) or (
                isinstance(statement, ast.Name) and statement.id in built_names
            ):
                findings.append(f"{filename}:{node.lineno}: {_call_name(node)}()")
    return sorted(set(findings))


def test_the_scan_finds_sql_built_from_values():
    source = """
import sqlalchemy as sa
def bad(conn, day, table):
    conn.execute(sa.text(f"DELETE FROM t WHERE day = '{day}'"))
    conn.execute("SELECT * FROM t WHERE id = %s" % day)
    conn.exec_driver_sql("SELECT * FROM " + table)
    query = "SELECT {} FROM t".format(table)
    conn.execute(query)
def good(conn, day, t):
    conn.execute(sa.text("DELETE FROM t WHERE day = :day"), {"day": day})
    conn.execute(sa.delete(t).where(t.c.day == day))
    conn.exec_driver_sql("BEGIN IMMEDIATE")
    conn.execute("SELECT * FROM t WHERE id = ?", (day,))
"""
    assert unsafe_sql(source, "x.py") == [
        "x.py:4: text()",
        "x.py:5: execute()",
        "x.py:6: exec_driver_sql()",
        "x.py:8: execute()",
    ]


def test_all_sql_in_the_package_is_parameterised():
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 50
    findings = [
        finding
        for path in files
        for finding in unsafe_sql(
            path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE.parent))
        )
    ]
    assert not findings, "SQL built from values (use bound parameters):\n" + "\n".join(findings)
