"""What accounts tells the apps above it, which it never imports (docs/architecture.md, "Groups and licenses")."""

from django.dispatch import Signal

# Sent once per write that changed group memberships, inside its transaction and after the memberships were
# written, with `by` (the Actor), `changes` ({group id: sorted ids of the users who joined or left it}) and `groups`
# ({group id: the Group}).
# licensing gives and takes the licenses of the groups' pools in the same transaction.
memberships_changed = Signal()
