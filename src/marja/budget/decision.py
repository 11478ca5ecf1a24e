"""The decision: consultation of stakeholders, the council's sessions and votes, and
the adoption that makes a scenario the cycle's final allocation.

Like every service, each function checks permission and input first, writes its
ledger entry in the same transaction, and raises ``ValidationError`` by field or
``PermissionDenied``. A cycle whose allocation is final takes no further consultation,
comment or session.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marja.accounts.models import User
from marja.accounts.selectors import AnyUser, as_user
from marja.budget.models import (
    AllocationScenario,
    BudgetCycle,
    Comment,
    CouncilMember,
    CouncilSession,
    FinalAllocation,
    Stakeholder,
    StakeholderGroup,
    Vote,
)
from marja.budget.services import (
    Problems,
    can_manage,
    check_cycle_open,
    digest_of,
    ensure,
    scenario_fixed,
)
from marja.catalog.models import County
from marja.common.display import sentence_lazy
from marja.ledger.services import record

# Consultation.


@transaction.atomic
def open_consultation(
    scenario: AllocationScenario, groups: list[str], closes_on: dt.date, *, actor: User
) -> AllocationScenario:
    """Fix a computed draft and invite ``groups`` to comment until ``closes_on``."""
    ensure(can_manage(actor, scenario.cycle))
    check_cycle_open(scenario.cycle)
    problems: Problems = {}
    if scenario.status != AllocationScenario.Status.DRAFT:
        problems["status"] = scenario_fixed(scenario)
    elif not scenario.result:
        problems["status"] = _("Only a scenario that computes without a problem can be opened.")
    unknown = [g for g in groups if g not in StakeholderGroup.values]
    if not groups or unknown:
        problems["groups"] = _("Choose at least one of the stakeholder groups listed.")
    if closes_on < timezone.localdate():
        problems["closes_on"] = _("The closing date has already passed.")
    if problems:
        raise ValidationError(problems)
    scenario.status = AllocationScenario.Status.CONSULTATION
    scenario.consultation_groups = sorted(set(groups))
    scenario.consultation_closes_on = closes_on
    scenario.save(update_fields=["status", "consultation_groups", "consultation_closes_on"])
    record(
        "budget.consultation_opened",
        actor=actor,
        organisation=scenario.cycle.owner,
        object_type="allocation_scenario",
        object_id=f"{scenario.cycle.slug}/{scenario.number}",
        payload={
            "groups": scenario.consultation_groups,
            "closes_on": closes_on.isoformat(),
            "result_sha256": digest_of(scenario.result),
        },
    )
    return scenario


def stakeholder_groups_of(user: AnyUser) -> list[str]:
    found = as_user(user)
    if found is None:
        return []
    return list(Stakeholder.objects.filter(user=found).values_list("group", flat=True))


def can_comment(user: AnyUser, scenario: AllocationScenario) -> bool:
    return (
        scenario.status == AllocationScenario.Status.CONSULTATION
        and not FinalAllocation.objects.filter(cycle_id=scenario.cycle_id).exists()
        and scenario.consultation_closes_on is not None
        and timezone.localdate() <= scenario.consultation_closes_on
        and bool(set(stakeholder_groups_of(user)) & set(scenario.consultation_groups))
    )


@transaction.atomic
def add_comment(
    scenario: AllocationScenario, text: str, *, actor: User, county: County | None = None
) -> Comment:
    """A stakeholder's comment, under the first of their groups that was invited."""
    if not can_comment(actor, scenario):
        raise PermissionDenied
    cleaned = text.strip()  # kept as written: «دربارهٔ» stays «دربارهٔ»
    if not cleaned:
        raise ValidationError({"text": _("Write the comment.")})
    if len(cleaned) > 5000:
        raise ValidationError({"text": _("A comment is at most 5,000 characters.")})
    group = next(g for g in stakeholder_groups_of(actor) if g in scenario.consultation_groups)
    comment = Comment(scenario=scenario, author=actor, group=group, county=county, text=cleaned)
    comment.full_clean()
    comment.save()
    record(
        "budget.comment_added",
        actor=actor,
        organisation=None,
        object_type="allocation_scenario",
        object_id=f"{scenario.cycle.slug}/{scenario.number}",
        payload={
            "comment": comment.pk,
            "group": group,
            "county": county.code if county else None,
            "text_sha256": hashlib.sha256(cleaned.encode()).hexdigest(),
        },
    )
    return comment


# The council.


def council_seat(user: AnyUser) -> CouncilMember | None:
    found = as_user(user)
    if found is None:
        return None
    return CouncilMember.objects.filter(user=found, active=True).first()


def can_run_sessions(user: AnyUser, cycle: BudgetCycle) -> bool:
    """The council's chair and secretary, and the cycle's managers."""
    seat = council_seat(user)
    chair = seat is not None and seat.role in (
        CouncilMember.Role.CHAIR,
        CouncilMember.Role.SECRETARY,
    )
    return chair or can_manage(user, cycle)


def voting_members() -> int:
    return sum(1 for m in CouncilMember.objects.filter(active=True) if m.votes)


@transaction.atomic
def open_session(scenario: AllocationScenario, *, actor: User) -> CouncilSession:
    """Put a scenario (computed, consulted or not) before the council."""
    ensure(can_run_sessions(actor, scenario.cycle))
    scenario = AllocationScenario.objects.select_for_update().get(pk=scenario.pk)
    problems: Problems = {}
    if hasattr(scenario.cycle, "final"):
        problems["status"] = _("This cycle's allocation is already final.")
    elif scenario.status not in (
        AllocationScenario.Status.DRAFT,
        AllocationScenario.Status.CONSULTATION,
    ):
        problems["status"] = scenario_fixed(scenario)
    elif not scenario.result:
        problems["status"] = _("Only a scenario that computes without a problem can be voted on.")
    elif CouncilSession.objects.filter(
        scenario__cycle=scenario.cycle, closed_at__isnull=True
    ).exists():
        problems["status"] = _("A council session of this cycle is still open.")
    members = voting_members()
    quorum = scenario.cycle.quorum or (members // 2 + 1)
    if members < quorum:
        problems["quorum"] = sentence_lazy(
            _("The council has %(members)s voting members, fewer than the quorum of %(quorum)s."),
            {"members": members, "quorum": quorum},
        )
    if problems:
        raise ValidationError(problems)
    scenario.status = AllocationScenario.Status.VOTING
    scenario.save(update_fields=["status"])
    session = CouncilSession.objects.create(scenario=scenario, quorum=quorum, opened_by=actor)
    record(
        "budget.session_opened",
        actor=actor,
        organisation=scenario.cycle.owner,
        object_type="allocation_scenario",
        object_id=f"{scenario.cycle.slug}/{scenario.number}",
        payload={
            "session": session.pk,
            "quorum": quorum,
            "result_sha256": digest_of(scenario.result),
        },
    )
    return session


@transaction.atomic
def cast_vote(session: CouncilSession, choice: str, *, actor: User) -> Vote:
    """A voting member's one vote; a second vote, or a vote after closing, is refused."""
    seat = council_seat(actor)
    if seat is None or not seat.votes:
        raise PermissionDenied
    session = CouncilSession.objects.select_for_update().get(pk=session.pk)
    if not session.open:
        raise ValidationError({"session": _("This council session is closed.")})
    if choice not in Vote.Choice.values:
        raise ValidationError({"choice": _("A vote is for, against, or abstain.")})
    if Vote.objects.filter(session=session, member=actor).exists():
        raise ValidationError({"choice": _("You have already voted in this session.")})
    try:
        with transaction.atomic():
            vote = Vote.objects.create(session=session, member=actor, choice=choice)
    except IntegrityError:
        raise ValidationError({"choice": _("You have already voted in this session.")}) from None
    record(
        "budget.vote_cast",
        actor=actor,
        organisation=None,
        object_type="council_session",
        object_id=session.pk,
        payload={"member": actor.username, "choice": choice},
    )
    return vote


def close_session(session: CouncilSession, *, actor: User) -> CouncilSession:
    """Count the votes: with the quorum present, more for than against adopts."""
    with transaction.atomic():
        session = (
            CouncilSession.objects.select_for_update()
            .select_related("scenario__cycle")
            .get(pk=session.pk)
        )
        ensure(can_run_sessions(actor, session.scenario.cycle))
        if not session.open:
            raise ValidationError({"session": _("This council session is closed.")})
        tally = {c: session.votes.filter(choice=c).count() for c in Vote.Choice.values}
        cast = sum(tally.values())
        if cast < session.quorum:
            outcome = CouncilSession.Outcome.NO_QUORUM
        elif tally["for"] > tally["against"] and tally["for"] * 2 > cast - tally["abstain"]:
            outcome = CouncilSession.Outcome.ADOPTED
        else:
            outcome = CouncilSession.Outcome.NOT_ADOPTED
        session.closed_at, session.outcome, session.tally = timezone.now(), outcome, tally
        session.save(update_fields=["closed_at", "outcome", "tally"])
        scenario = session.scenario
        if outcome == CouncilSession.Outcome.NO_QUORUM:
            scenario.status = (
                AllocationScenario.Status.CONSULTATION
                if scenario.consultation_groups
                else AllocationScenario.Status.DRAFT
            )
        elif outcome == CouncilSession.Outcome.NOT_ADOPTED:
            scenario.status = AllocationScenario.Status.NOT_ADOPTED
        else:
            scenario.status = AllocationScenario.Status.ADOPTED
        scenario.save(update_fields=["status"])
        record(
            "budget.session_closed",
            actor=actor,
            organisation=scenario.cycle.owner,
            object_type="council_session",
            object_id=session.pk,
            payload={"tally": tally, "quorum": session.quorum, "outcome": outcome},
        )
        final = (
            _adopt(scenario, session, actor) if outcome == CouncilSession.Outcome.ADOPTED else None
        )
    if final is not None:
        from marja.budget.publishing import publish_or_log

        publish_or_log(final)
    return session


def publish_final_again(cycle: BudgetCycle, *, actor: User | None) -> bool:
    """Publish a final allocation whose automatic publication failed (managers)."""
    from marja.budget.publishing import publish_or_log

    if actor is not None:
        ensure(can_manage(actor, cycle))
    final = FinalAllocation.objects.filter(cycle=cycle).first()
    if final is None:
        raise ValidationError({"status": _("This cycle has no final allocation yet.")})
    if final.dataset_id is not None:
        raise ValidationError({"status": _("This final allocation is already published.")})
    return publish_or_log(final)


def _adopt(scenario: AllocationScenario, session: CouncilSession, actor: User) -> FinalAllocation:
    cycle = scenario.cycle
    amounts = [
        {
            "county": row["county"],
            "amount": row["amount"],
            "need": row["need"],
            "rank": row["rank"],
            "binding": row["binding"],
        }
        for row in scenario.result["counties"]
    ]
    digest = digest_of(
        {
            "cycle": cycle.slug,
            "year": cycle.year,
            "total": cycle.total,
            "scenario": scenario.number,
            "amounts": amounts,
            "result": scenario.result,
        }
    )
    # The council chose: the cycle's other scenarios are no longer before anyone.
    cycle.scenarios.exclude(pk=scenario.pk).filter(
        status__in=[AllocationScenario.Status.DRAFT, AllocationScenario.Status.CONSULTATION]
    ).update(status=AllocationScenario.Status.NOT_ADOPTED)
    final = FinalAllocation.objects.create(
        cycle=cycle,
        scenario=scenario,
        session=session,
        amounts=amounts,
        total=cycle.total,
        digest=digest,
    )
    record(
        "budget.allocation_adopted",
        actor=actor,
        organisation=cycle.owner,
        object_type="budget_cycle",
        object_id=cycle.slug,
        payload={
            "scenario": scenario.number,
            "session": session.pk,
            "total": cycle.total,
            "digest": digest,
        },
    )
    return final
