"""Signals matching sends so that chat (built on matching, DESIGN.md §3) follows the match
lifecycle. Sent inside the service's transaction; receivers write their own models in it
and schedule side effects with `transaction.on_commit`.

- `match_created(sender=None, match)`: chat opens the conversation (its id is the match id).
- `match_ended(sender=None, match)`: the match left the open states (unmatched, deleted);
  chat closes the conversation path at once.
"""

from django.dispatch import Signal

match_created = Signal()
match_ended = Signal()
