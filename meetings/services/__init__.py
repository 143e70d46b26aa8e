"""Writes to meetings and forums, one module a concern: TAC meetings, forum seasons and
sessions, nominations, the agenda, invitations, the forum day.

Every service takes the acting user as ``by``, checks that they may do it, runs in one
transaction, audits with ``by`` as actor, and raises ``MeetingError`` with a message written
for the user."""

from cafsite.errors import CafError


class MeetingError(CafError):
    pass
