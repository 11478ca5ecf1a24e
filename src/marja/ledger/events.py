"""Every kind of event the ledger records, with what it means.

docs/events.md must describe each one (a test checks it); an event that is not declared
here cannot be recorded.
"""

from __future__ import annotations

from typing import Final

EVENTS: Final[dict[str, str]] = {
    "dataset.created": "A dataset was added to the catalog.",
    "dataset.changed": "A dataset's metadata changed; the payload lists the fields.",
    "schema.changed": "A dataset's declared schema (fields, types, rules, key) changed.",
    "version.published": "A new immutable version was published: hash, size, rows, diff.",
    "publication.rejected": "An upload was refused: the payload counts problems per rule.",
    "publication.failed": "A publication stopped on an internal error; nothing was stored.",
    "source.changed": "A dataset's scheduled pull (address, format, schedule) was set or removed.",
    "source.pulled": "A scheduled pull ran: new version, unchanged content, or failure.",
    "token.created": "A user created an API token: name, scope, prefix, expiry (never the token).",
    "token.revoked": "An API token was revoked by its owner or an administrator; the row is kept.",
    "membership.changed": "A user was given a role in an organisation, or their role changed.",
    "membership.removed": "A user was taken out of an organisation.",
    "grant.given": "A restricted dataset was shared with another organisation, on terms.",
    "grant.revoked": "A grant was withdrawn before its expiry; the grant row is kept.",
    "data.read": "Restricted data was read: who, through which grant, which version, how.",
    "target.set": "An indicator's target for a year (and county) was set or changed.",
    "actual.entered": "A value of an indicator measured by hand was entered, with evidence.",
    "factor.added": "A driver or an obstacle was attached to an indicator and a year.",
    "budget.cycle_created": "A budget cycle was set up: year, programme, total in rials, owner.",
    "budget.scenario_saved": "A scenario's criteria, weights, method or rules were saved.",
    "budget.scenario_computed": "A scenario was computed: its result's digest and data versions.",
    "budget.consultation_opened": "A scenario was opened for comments to named stakeholder groups.",
    "budget.comment_added": "A stakeholder commented on a scenario under consultation.",
    "budget.session_opened": "A council session to vote on a scenario was opened, with its quorum.",
    "budget.vote_cast": "A council member voted for, against, or abstained on a scenario.",
    "budget.session_closed": "A council session was closed: the tally and the outcome.",
    "budget.allocation_adopted": "An allocation became final: its digest, scenario and session.",
    "budget.allocation_published": "A final allocation was published as a dataset version.",
    "budget.project_added": "A county planning committee's project was added to a cycle.",
}
