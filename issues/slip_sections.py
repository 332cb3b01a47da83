"""Parts of a slip's page that apps above ``issues`` contribute (the coordination record of an
escalated slip). A provider, given the request and the slip, returns a section (a template and
its context) or None when it has nothing to show that user."""

from collections.abc import Callable

from enterprises.file_sections import FileSection as SlipSection

_providers: list[Callable] = []


def slip_section_register(provider: Callable) -> None:
    if provider not in _providers:
        _providers.append(provider)


def slip_sections_for(request, slip) -> list[SlipSection]:
    sections = []
    for provider in _providers:
        section = provider(request, slip)
        if section is not None:
            sections.append(section)
    return sections
