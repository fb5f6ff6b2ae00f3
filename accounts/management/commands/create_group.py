from accounts.choices import GroupKind
from accounts.management.group_options import add_rule_argument, rule_of
from accounts.selectors import group_member_count
from accounts.services.groups import group_create
from core.commands import AdminCommand


class Command(AdminCommand):
    help = (
        "Create a group. Without --rule it is an assigned group (add members with group_members); with --rule a "
        "dynamic one, whose members are the users the rule matches."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("name")
        parser.add_argument("--description", default="")
        add_rule_argument(
            parser,
            "Make it dynamic: users whose ATTRIBUTE (department, job_title, usage_location, is_active) is one of the "
            "VALUEs; repeat for more attributes, which must all match.",
        )

    def handle(self, *args, name: str, description: str, rule: list[str], **options) -> None:
        kind = GroupKind.DYNAMIC if rule else GroupKind.ASSIGNED
        group = group_create(name=name, kind=kind, description=description, rule=rule_of(rule), by=self.actor)
        members = f", members: {group_member_count(group):,}" if kind == GroupKind.DYNAMIC else ""
        self.stdout.write(f"Created {kind} group {group.name} (id {group.pk}{members}).")
