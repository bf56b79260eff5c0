"""Signals moderation sends so that apps built on it (matching, chat, discovery) react
without moderation importing them (DESIGN.md §3). Sent inside the service's transaction:
receivers write their own models in the same transaction and schedule side effects with
`transaction.on_commit`.

- `block_created(sender=None, blocker_id, blocked_id)`: the pair must no longer see or
  reach each other (matching ends their match, chat closes the conversation).
- `user_restricted(sender=None, user_id, until)`: the user was suspended (`until` set) or
  banned (`until=None`); sockets are closed and they leave discovery.
"""

from django.dispatch import Signal

block_created = Signal()
user_restricted = Signal()
