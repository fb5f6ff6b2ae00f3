"""What accounts tells the apps above it, which it never imports (docs/architecture.md, "Groups and licenses")."""

from django.dispatch import Signal

# Sent once per write that changed group memberships, inside its transaction and after the memberships were
# written, with `by` (the Actor), `changes` ({group id: sorted ids of the users who joined or left it}), `groups`
# ({group id: the Group}) and `restored` (sorted ids of users enabled again after their licenses were reclaimed:
# their group sources count again, in every group they are in).
# licensing gives and takes the licenses of the groups' pools in the same transaction.
memberships_changed = Signal()

# Sent by accounts.services.users.user_delete inside its transaction, after the user's row is locked and before it
# is deleted, with `by` (the Actor) and `user`. licensing frees every license and place in a line the user has and
# returns what it freed (a list of {"subscription", "sku", "state"}), for the user_deleted audit event.
user_deleting = Signal()
