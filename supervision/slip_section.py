"""The coordination record on an escalated slip's page: the body it climbed to, the
coordinator at each tier, the meetings held."""

from issues.slip_sections import SlipSection

from .selectors import coordination_of


def coordination_section(request, slip):
    if slip.tier < 2:
        return None
    return SlipSection(
        "supervision/_slip_coordination.html", {"slip": slip, **coordination_of(slip)}
    )
