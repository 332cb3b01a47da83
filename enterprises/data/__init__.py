def industries_load(Industry) -> int:
    """Create or refresh GB/T 4754-2017 sections and divisions; works with a migration's
    historical model too. Returns how many rows exist afterwards."""
    from .gbt4754_2017 import DIVISIONS, SECTIONS

    if Industry.objects.count() == len(SECTIONS) + len(DIVISIONS):
        return Industry.objects.count()
    sections = {}
    for code, name in SECTIONS.items():
        sections[code], _ = Industry.objects.update_or_create(
            code=code, defaults={"name": name, "level": "section", "parent": None}
        )
    for digits, (section, name) in DIVISIONS.items():
        Industry.objects.update_or_create(
            code=section + digits,
            defaults={"name": name, "level": "division", "parent": sections[section]},
        )
    return Industry.objects.count()


def industries_ensure(sender=None, **kwargs) -> None:
    """post_migrate: a database emptied by a flush (the test runner) gets the codes back."""
    from enterprises.models import Industry

    industries_load(Industry)
