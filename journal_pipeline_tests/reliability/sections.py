"""What a failed reliability assertion prints: the section's title, figures and notes."""

from __future__ import annotations


def explain(section) -> str:
    figures = "\n".join(f"  {name}: {value}" for name, value in section.figures.items())
    return f"{section.title}\n{figures}\n{section.notes}"
