"""The starting lists the office then edits: the article's five special actions and a table of
default deadlines (working days). Following the 12345 practice: an explanation within a few
days, ordinary problems within about two weeks, land and approvals longer; urgent ones faster.

Filled by the data migration, and again after any ``flush`` (the test runner empties the
database between browser tests) when a table is empty, so the product always has them.
"""

SPECIAL_ACTIONS = ["环境优化", "企业减负", "创新服务", "项目集中征迁和开工", "融资保障"]
# (category, urgency, days); "" matches any.
DEADLINE_RULES = [
    ("", "", 10),
    ("", "pressing", 7),
    ("", "urgent", 3),
    ("policy", "", 5),
    ("land", "", 20),
    ("approval", "", 15),
    ("infrastructure", "", 20),
    ("financing", "", 10),
]


def defaults_ensure(special_action_model=None, deadline_rule_model=None, **kwargs) -> None:
    if special_action_model is None:
        from .models import DeadlineRule, SpecialAction

        special_action_model, deadline_rule_model = SpecialAction, DeadlineRule
    if not special_action_model.objects.exists():
        for order, name in enumerate(SPECIAL_ACTIONS):
            special_action_model.objects.get_or_create(name=name, defaults={"sort_order": order})
    if not deadline_rule_model.objects.exists():
        for category, urgency, days in DEADLINE_RULES:
            deadline_rule_model.objects.get_or_create(
                category=category, urgency=urgency, defaults={"days": days}
            )
