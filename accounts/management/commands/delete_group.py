from accounts.selectors import group_named
from accounts.services.groups import group_delete
from core.commands import AdminCommand


class Command(AdminCommand):
    help = "Delete a group and its memberships (the users stay)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help="The group's name (any case).")

    def handle(self, *args, name: str, **options) -> None:
        group = group_named(actor=self.actor.user, name=name)
        group_delete(group=group, by=self.actor)
        self.stdout.write(f"Deleted group {group.name}.")
