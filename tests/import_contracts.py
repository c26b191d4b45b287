"""An import-linter contract type the built-in ones cannot express: "only these imports".

`only_imports` lists the packages a set of modules may import directly. Every direct
import of a module in `packages` (or below) must land in the package itself, in one of
`allowed_modules` (or below), or, when outside the root package, in the standard library
(or in any third-party package when `allow_third_party` is true). It needs
`include_external_packages = true` so that imports of other distributions are in the graph.

Registered in pyproject.toml under `[tool.importlinter] contract_types`; `lint-imports`
puts the working directory on sys.path, so this module is found from the repository root.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import grimp
from importlinter import Contract, ContractCheck, fields, output

STDLIB = frozenset(sys.stdlib_module_names)


@dataclass(frozen=True)
class Breach:
    importer: str
    imported: str
    line_numbers: tuple[int, ...]


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


class OnlyImportsContract(Contract):
    type_name = "only_imports"

    packages = fields.ListField(subfield=fields.StringField())
    allowed_modules = fields.ListField(subfield=fields.StringField(), required=False, default=[])
    allow_third_party = fields.BooleanField(required=False, default=False)

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        (root,) = self.session_options["root_packages"]
        allowed: list[str] = list(self.allowed_modules)  # type: ignore[arg-type]
        breaches: list[Breach] = []
        for package in self.packages:  # type: ignore[attr-defined]
            if package not in graph.modules:
                raise ValueError(f"only_imports: {package} is not a module of {root}")
            importers = {package, *graph.find_descendants(package)}
            for importer in sorted(importers):
                for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                    if self._allowed(imported, package, allowed, root):
                        continue
                    details = graph.get_import_details(importer=importer, imported=imported)
                    lines = tuple(sorted({d["line_number"] for d in details}))
                    breaches.append(Breach(importer, imported, lines))
        return ContractCheck(kept=not breaches, metadata={"breaches": breaches})

    def _allowed(self, imported: str, package: str, allowed: list[str], root: str) -> bool:
        if _within(imported, package) or any(_within(imported, a) for a in allowed):
            return True
        if _within(imported, root):
            return False
        return imported.split(".", 1)[0] in STDLIB or bool(self.allow_third_party)

    def render_broken_contract(self, check: ContractCheck) -> None:
        for breach in check.metadata["breaches"]:
            lines = ", ".join(map(str, breach.line_numbers))
            output.print_error(f"- {breach.importer} -> {breach.imported} (l.{lines})", bold=False)
            output.new_line()
