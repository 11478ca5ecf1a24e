"""Finding what was done to a stored ledger, and naming it.

:func:`verify_chain` reads the entries in stored order. An entry is in order when its
hashes are those of its content under its own number (*intact*), its seal is the
instance's (*sealed*), it points at the entry before it (*linked*) and its number follows
that entry's. The first pass keeps only the entries that are not in order (*suspects*);
when there are any, a second pass looks up the entries they point at, and each suspect
is explained:

- an intact, linked entry in its place is fine;
- content that matches its hashes under no number was **altered** (its payload, or one
  of its other fields);
- hashes that match but carry no valid seal were **rewritten** by someone without the
  key, or the entry was **inserted** when another entry points at the same predecessor;
- content that matches under another number was **moved**: two entries that took each
  other's numbers were **swapped**; a run moved by the same amount was **renumbered**;
- numbers that no entry holds any more were **removed** (also at the end, which the
  sealed head and the signed checkpoints reveal).

Memory stays small whatever the ledger's size: one entry at a time, plus the suspects
(at most :data:`MAX_SUSPECTS`) and the entries they point at.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final

from marja.core.ledger import GENESIS, Checkpoint, EntryRecord, Head, head_text
from marja.core.signing import PublicKey, seal_matches

#: How far past the previous entry's number a moved entry's original number is sought.
SEARCH_AHEAD: Final = 64
#: Entries out of order that the check explains one by one; beyond, it says how many.
MAX_SUSPECTS: Final = 10_000


@dataclass(frozen=True)
class StoredCheckpoint:
    id: int
    checkpoint: Checkpoint


@dataclass(frozen=True)
class LedgerProblem:
    """One thing wrong with the stored ledger; ``code`` names it (see :func:`verify_chain`)."""

    code: str
    sequence: int | None = None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class ChainReport:
    entries: int = 0
    last_sequence: int = 0
    checkpoints: int = 0
    #: Entries after the last valid checkpoint: chained and sealed, not yet signed.
    unsigned_entries: int = 0
    #: Suspects beyond :data:`MAX_SUSPECTS`, not explained one by one.
    unexplained: int = 0
    problems: list[LedgerProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, code: str, sequence: int | None = None, **params: Any) -> None:
        self.problems.append(LedgerProblem(code, sequence, params))

    def mentions(self, sequence: int) -> bool:
        return any(p.sequence == sequence for p in self.problems)


@dataclass
class _Suspect:
    row: EntryRecord
    position: int
    intact: bool
    sealed: bool
    linked: bool
    #: The stored number of the entry before it (0 for the first).
    previous_sequence: int
    #: The number it was hashed with, once explained (None: none matches).
    original: int | None = None
    inserted: bool = False


def verify_chain(
    rows: Callable[[], Iterable[EntryRecord]],
    *,
    seal_key: bytes | None,
    head: Head | None,
    checkpoints: Iterable[StoredCheckpoint] = (),
    public_key: PublicKey | None = None,
) -> ChainReport:
    """Check the stored ledger and name every problem found.

    ``rows`` gives the entries in stored order (by sequence) each time it is called;
    ``seal_key`` None skips the seals (a third party has no seal key). Problem codes:
    ``entry_altered`` (``part``: payload or fields), ``entry_rewritten``,
    ``entry_inserted``, ``entries_removed`` (``first``, ``last``, ``at_end``),
    ``entries_swapped`` (``other``), ``entries_renumbered`` (``first``, ``last``,
    ``shift``), ``entry_moved`` (``original``), ``chain_broken``, ``head_missing``,
    ``head_forged``, ``checkpoint_forged``, ``checkpoint_other_key`` (``key_id``,
    ``expected``), ``checkpoint_mismatch``, ``checkpoint_beyond_end`` (``last``); the
    checkpoint codes also carry ``checkpoint``, its id.
    """
    report = ChainReport()
    stored_checkpoints = list(checkpoints)
    wanted_sequences = {c.checkpoint.sequence for c in stored_checkpoints}
    hash_at: dict[int, str] = {}
    suspects: list[_Suspect] = []
    gaps: list[range] = []
    last_in_order = 0
    previous: EntryRecord | None = None
    for position, row in enumerate(rows()):
        expected_prev = previous.entry_hash if previous is not None else GENESIS
        expected_sequence = previous.sequence + 1 if previous is not None else 1
        intact = row.intact_as(row.sequence)
        sealed = seal_key is None or seal_matches(seal_key, row.entry_hash, row.seal)
        linked = row.prev_hash == expected_prev
        if row.sequence > expected_sequence:
            gaps.append(range(expected_sequence, row.sequence))
        if not (intact and sealed and linked and row.sequence == expected_sequence):
            if len(suspects) < MAX_SUSPECTS:
                suspects.append(
                    _Suspect(row, position, intact, sealed, linked, expected_sequence - 1)
                )
            else:
                report.unexplained += 1
        else:
            last_in_order = row.sequence
        if row.sequence in wanted_sequences:
            hash_at[row.sequence] = row.entry_hash
        report.entries += 1
        previous = row
    report.last_sequence = previous.sequence if previous is not None else 0
    last_original = report.last_sequence
    if suspects:
        _explain(rows, suspects, gaps, report, last_in_order)
        for suspect in suspects:
            if suspect.original is not None and not suspect.inserted:
                hash_at[suspect.original] = suspect.row.entry_hash
        if suspects[-1].row is previous:
            last_original = suspects[-1].original or last_original
    _check_head(head, previous, last_original, report, seal_key, bool(suspects))
    signed = _check_checkpoints(stored_checkpoints, hash_at, last_original, public_key, report)
    report.checkpoints = len(stored_checkpoints)
    report.unsigned_entries = max(0, last_original - signed)
    report.problems.sort(key=lambda p: (p.sequence or 0, p.code))
    return report


def _explain(
    rows: Callable[[], Iterable[EntryRecord]],
    suspects: list[_Suspect],
    gaps: list[range],
    report: ChainReport,
    last_in_order: int,
) -> None:
    """Find each suspect's original number and say what happened to it."""
    wanted = {s.row.prev_hash for s in suspects}
    by_hash: dict[str, EntryRecord] = {}
    children: dict[str, list[str]] = {}
    for row in rows():
        if row.entry_hash in wanted:
            by_hash[row.entry_hash] = row
        if row.prev_hash in wanted:
            children.setdefault(row.prev_hash, []).append(row.entry_hash)
    by_sequence = {s.row.sequence: s for s in suspects}
    resolving: set[str] = set()

    def original(row: EntryRecord, previous_original: int | None) -> int | None:
        """The number ``row``'s hashes were made with: from its predecessor, or nearby."""
        suspect = by_sequence.get(row.sequence)
        if suspect is None or suspect.row.entry_hash != row.entry_hash or suspect.intact:
            return row.sequence
        if suspect.original is not None or row.entry_hash in resolving:
            return suspect.original
        resolving.add(row.entry_hash)
        candidates: list[int] = []
        if row.prev_hash == GENESIS:
            candidates.append(1)
        elif (predecessor := by_hash.get(row.prev_hash)) is not None:
            before = original(predecessor, None)
            if before is not None:
                candidates.append(before + 1)
        if previous_original is not None:
            candidates += [previous_original + 1 + d for d in range(SEARCH_AHEAD)]
        suspect.original = next((c for c in candidates if row.intact_as(c)), None)
        return suspect.original

    positions = {s.position for s in suspects}
    previous_original: int | None = None
    for suspect in suspects:
        row = suspect.row
        if suspect.position - 1 not in positions:
            previous_original = suspect.previous_sequence
        if suspect.intact and not suspect.sealed:
            siblings = [h for h in children.get(row.prev_hash, []) if h != row.entry_hash]
            suspect.inserted = bool(siblings)
            suspect.original = row.sequence
            report.add("entry_inserted" if siblings else "entry_rewritten", row.sequence)
            if not suspect.inserted:
                previous_original = row.sequence
            continue
        number = original(row, previous_original)
        if number is None:
            report.add(
                "entry_altered", row.sequence, part="fields" if row.payload_intact() else "payload"
            )
            previous_original = row.sequence
            continue
        if not suspect.sealed:
            report.add("entry_rewritten", row.sequence)
        elif (
            not suspect.linked
            and number == row.sequence
            and row.prev_hash not in by_hash
            and row.prev_hash != GENESIS
            and not any(row.sequence - 1 in gap for gap in gaps)
            and not report.mentions(row.sequence - 1)
        ):
            report.add("chain_broken", row.sequence)
        previous_original = number
    _describe_removals(suspects, gaps, report, last_in_order)
    _describe_moves(suspects, report)


def _describe_removals(
    suspects: list[_Suspect], gaps: list[range], report: ChainReport, last_in_order: int
) -> None:
    """Numbers no entry holds any more: stored numbers left empty and gaps, minus those
    that moved entries show were theirs, up to the last number held (the end is the
    head's and the checkpoints' to judge)."""
    held = {
        s.original if s.original is not None else s.row.sequence for s in suspects if not s.inserted
    }
    end = max(held | {last_in_order})
    vacated = {s.row.sequence for s in suspects} - held
    ranges = [(n, n) for n in vacated if n <= end]
    for gap in gaps:
        start = gap.start
        for number in sorted(h for h in held if h in gap):
            if number > start:
                ranges.append((start, number - 1))
            start = number + 1
        if start < min(gap.stop, end + 1):
            ranges.append((start, min(gap.stop, end + 1) - 1))
    for first, last in _merged(ranges):
        report.add("entries_removed", first, first=first, last=last, at_end=False)


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for first, last in sorted(ranges):
        if merged and merged[-1][1] + 1 >= first:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def _describe_moves(suspects: list[_Suspect], report: ChainReport) -> None:
    """Entries found under another number: swapped pairs, renumbered runs, single moves."""
    moved = [
        (s.row.sequence, s.original)
        for s in suspects
        if not s.inserted and s.original is not None and s.original != s.row.sequence
    ]
    original_at = dict(moved)
    swapped: set[int] = set()
    runs: list[list[tuple[int, int]]] = []
    for now, original in moved:
        if now in swapped:
            continue
        if original_at.get(original) == now:
            report.add("entries_swapped", min(now, original), other=max(now, original))
            swapped.update({now, original})
            continue
        last = runs[-1][-1] if runs else None
        if last is not None and last[0] + 1 == now and last[1] - last[0] == original - now:
            runs[-1].append((now, original))
        else:
            runs.append([(now, original)])
    for run in runs:
        first, original = run[0]
        if len(run) == 1:
            report.add("entry_moved", first, original=original)
        else:
            report.add(
                "entries_renumbered", first, first=first, last=run[-1][0], shift=first - original
            )


def _check_head(
    head: Head | None,
    last: EntryRecord | None,
    last_original: int,
    report: ChainReport,
    seal_key: bytes | None,
    had_suspects: bool,
) -> None:
    if last is None and head is None:
        return
    if head is None:
        report.add("head_missing")
        return
    if seal_key is not None and not seal_matches(
        seal_key, head_text(head.sequence, head.entry_hash), head.seal
    ):
        report.add("head_forged", head.sequence)
        return
    if head.sequence > last_original:
        report.add(
            "entries_removed",
            last_original + 1,
            first=last_original + 1,
            last=head.sequence,
            at_end=True,
        )
    elif head.sequence < last_original:
        for number in range(head.sequence + 1, last_original + 1):
            if not report.mentions(number):
                report.add("entry_inserted", number)
    elif last is not None and head.entry_hash != last.entry_hash and not had_suspects:
        report.add("entry_rewritten", last.sequence)


def _check_checkpoints(
    stored: list[StoredCheckpoint],
    hash_at: dict[int, str],
    last_original: int,
    public_key: PublicKey | None,
    report: ChainReport,
) -> int:
    """Check every checkpoint; return how many entries the valid ones sign."""
    signed = 0
    for item in stored:
        checkpoint = item.checkpoint
        number = checkpoint.sequence
        if public_key is not None and checkpoint.key_id != public_key.key_id:
            report.add(
                "checkpoint_other_key",
                number,
                checkpoint=item.id,
                key_id=checkpoint.key_id,
                expected=public_key.key_id,
            )
        elif public_key is not None and not public_key.verifies(
            checkpoint.statement(), checkpoint.signature
        ):
            report.add("checkpoint_forged", number, checkpoint=item.id)
        elif number > last_original:
            report.add("checkpoint_beyond_end", number, checkpoint=item.id, last=last_original)
        elif hash_at.get(number) != checkpoint.head_hash:
            report.add("checkpoint_mismatch", number, checkpoint=item.id)
        else:
            signed = max(signed, number)
    return signed
