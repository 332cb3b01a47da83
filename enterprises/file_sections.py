"""The parts of a firm's file (一企一档) that apps above the registry contribute.

The registry knows nothing of pairings, visits or slips; those apps register a function that,
given the request and the firm, returns a section (a template and its context) or None when the
user may not see that part. The file page shows them in registration order (floor order).
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class FileSection:
    template: str
    context: dict = field(default_factory=dict)


_providers: list[Callable] = []


def file_section_register(provider: Callable) -> None:
    if provider not in _providers:
        _providers.append(provider)


def file_sections_for(request, firm) -> list[FileSection]:
    sections = []
    for provider in _providers:
        section = provider(request, firm)
        if section is not None:
            sections.append(section)
    return sections
