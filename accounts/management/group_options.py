"""The options create_group and edit_group share: `--rule ATTRIBUTE=VALUE,VALUE` (repeatable) builds a dynamic
group's rule, which accounts.group_rules then validates."""

from argparse import ArgumentParser

from accounts.selectors import FALSE_WORDS, TRUE_WORDS
from core.commands import usage_error


def add_rule_argument(parser: ArgumentParser, help_text: str) -> None:
    parser.add_argument("--rule", action="append", default=[], metavar="ATTRIBUTE=VALUE[,VALUE…]", help=help_text)


def rule_of(options: list[str]) -> dict[str, list]:
    """`["department=Sales,Marketing", "usage_location=US"]` as a rule; an attribute given twice gets both lists."""
    rule: dict[str, list] = {}
    for option in options:
        attribute, equals, values = option.partition("=")
        if not equals:
            raise usage_error(f"--rule {option}: write ATTRIBUTE=VALUE[,VALUE…], e.g. department=Sales,Marketing.")
        attribute = attribute.strip()
        parsed: list = [value.strip() for value in values.split(",")]
        if attribute == "is_active":
            if any(value.lower() not in TRUE_WORDS | FALSE_WORDS for value in parsed):
                raise usage_error(f"--rule {option}: is_active takes true or false.")
            parsed = [value.lower() in TRUE_WORDS for value in parsed]
        rule.setdefault(attribute, []).extend(parsed)
    return rule
