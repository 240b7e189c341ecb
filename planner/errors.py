"""User-facing error types: one message naming the file, row, field, what was found and the fix."""

from __future__ import annotations


class PlannerError(Exception):
    """Base class for errors the CLI reports as a message, never as a traceback."""


class InputError(PlannerError):
    """A bad input file: says where (file, sheet, row, field), what was found and what to do."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        field: str | None = None,
        found: object = None,
        fix: str | None = None,
        sheet: str | None = None,
    ) -> None:
        self.file = file
        self.row = row
        self.field = field
        self.found = found
        self.fix = fix
        self.sheet = sheet
        self.detail = message
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.file:
            where.append(str(self.file))
        if self.sheet:
            where.append(f"sheet {self.sheet}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"field '{self.field}'")
        text = ", ".join(where)
        text = f"{text}: {self.detail}" if text else self.detail
        if self.found is not None:
            text += f" (found {self.found!r})"
        if self.fix:
            text += f". Fix: {self.fix}"
        return text


class VerificationError(PlannerError):
    """A plan failed the independent verifier: a defect in the engine, never shown as a result."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        head = "; ".join(problems[:5])
        more = f" (+{len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"plan failed verification: {head}{more}")
