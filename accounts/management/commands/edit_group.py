from accounts.management.group_options import add_rule_argument, rule_of
from accounts.selectors import group_member_count, group_named
from accounts.services.groups import group_update
from core.commands import AdminCommand, usage_error


class Command(AdminCommand):
    help = "Rename a group, change its description, or replace a dynamic group's rule (its members follow)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help="The group's name (any case).")
        parser.add_argument("--rename", metavar="NAME", help="The group's new name.")
        parser.add_argument("--description")
        add_rule_argument(parser, "The dynamic group's new rule, whole (as for create_group).")

    def handle(self, *args, name: str, rename: str | None, description: str | None, rule: list[str], **options):
        fields = {"name": rename, "description": description, "rule": rule_of(rule) if rule else None}
        fields = {field: value for field, value in fields.items() if value is not None}
        if not fields:
            raise usage_error("nothing to change: give --rename, --description or --rule.")
        group = group_update(group=group_named(actor=self.actor.user, name=name), **fields, by=self.actor)
        self.stdout.write(f"Updated group {group.name} (id {group.pk}, members: {group_member_count(group):,}).")
