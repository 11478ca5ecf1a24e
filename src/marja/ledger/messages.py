"""What each verification problem means, in words (Persian in the .po file)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from marja.core.text import to_persian_digits

PROBLEMS = {
    "entry_altered": _(
        "Entry %(sequence)s was altered after it was written: its %(part)s no longer "
        "match its hash."
    ),
    "entry_rewritten": _(
        "Entry %(sequence)s was rewritten with new hashes by someone without the "
        "instance's key: its seal does not match."
    ),
    "entry_inserted": _(
        "Entry %(sequence)s was inserted: the instance never wrote it (no valid seal, or "
        "beyond the ledger's sealed end)."
    ),
    "entries_removed": _("Entries %(first)s to %(last)s were removed from the ledger."),
    "entry_removed": _("Entry %(first)s was removed from the ledger."),
    "entries_removed_at_end": _(
        "The last entries, %(first)s to %(last)s, were removed: the ledger's sealed head "
        "records them."
    ),
    "entries_swapped": _("Entries %(sequence)s and %(other)s were swapped."),
    "entries_renumbered": _(
        "Entries %(first)s to %(last)s were renumbered (moved by %(shift)s); their "
        "hashes hold their original numbers."
    ),
    "entry_moved": _("The entry stored as %(sequence)s was written as entry %(original)s."),
    "chain_broken": _(
        "The chain is broken before entry %(sequence)s: it points at an entry that is "
        "not in the ledger."
    ),
    "head_missing": _("The ledger's head (its sealed note of the last entry) is missing."),
    "head_forged": _("The ledger's head was changed: its seal does not match."),
    "checkpoint_forged": _(
        "Checkpoint %(checkpoint)s (up to entry %(sequence)s) is not signed by this "
        "instance's key: its signature is invalid."
    ),
    "checkpoint_other_key": _(
        "Checkpoint %(checkpoint)s (up to entry %(sequence)s) is signed by another key "
        "(%(key_id)s), not this instance's (%(expected)s)."
    ),
    "checkpoint_mismatch": _(
        "Checkpoint %(checkpoint)s signed the ledger up to entry %(sequence)s, and the "
        "ledger no longer matches it: the entries it covers were rewritten."
    ),
    "checkpoint_beyond_end": _(
        "Checkpoint %(checkpoint)s signed the ledger up to entry %(sequence)s, but the "
        "ledger now ends at entry %(last)s: entries were removed."
    ),
    "object_missing": _(
        "The data of version %(version)s of «%(dataset)s» is missing from the object "
        "store (%(key)s)."
    ),
    "object_changed": _(
        "The data of version %(version)s of «%(dataset)s» was changed: its SHA-256 is "
        "%(actual)s, not %(expected)s."
    ),
    "version_unrecorded": _("Version %(version)s of «%(dataset)s» has no entry in the ledger."),
    "version_mismatch": _(
        "Version %(version)s of «%(dataset)s» says %(field)s is %(stored)s, but ledger "
        "entry %(sequence)s recorded %(recorded)s."
    ),
    "final_allocation_changed": _(
        "The final allocation of budget cycle «%(cycle)s» was changed after its adoption: "
        "its amounts or result no longer match its digest."
    ),
    "final_allocation_unpublished": _(
        "The final allocation of budget cycle «%(cycle)s» is not published in the catalog: "
        "publish it again from the cycle's page."
    ),
    "final_allocation_unrecorded": _(
        "The final allocation of budget cycle «%(cycle)s» has no adoption entry in the ledger."
    ),
    "final_allocation_mismatch": _(
        "The final allocation of budget cycle «%(cycle)s» has digest %(stored)s, but ledger "
        "entry %(sequence)s recorded %(recorded)s."
    ),
}

PARTS = {"payload": _("details"), "fields": _("fields (time, actor, action or object)")}


def problem_text(problem: dict[str, Any]) -> str:
    """One problem of a verification report in the active language."""
    code = problem.get("code", "")
    params = {**problem.get("params", {}), "sequence": problem.get("sequence")}
    if code == "entries_removed" and params.get("at_end"):
        code = "entries_removed_at_end"
    elif code == "entries_removed" and params.get("first") == params.get("last"):
        code = "entry_removed"
    if "part" in params:
        params["part"] = PARTS.get(params["part"], params["part"])
    template = PROBLEMS.get(code)
    if template is None:
        return str(code)
    try:
        return str(template) % _numbers_for_reading(params)
    except (KeyError, TypeError, ValueError):
        return str(code)


RECEIPT_PROBLEMS = {
    "receipt_malformed": _("This is not a marja receipt, or a part of it is missing: %(problem)s."),
    "receipt_other_instance": _(
        "This receipt was issued by another instance (key %(key_id)s), not by the one "
        "whose key is %(expected)s."
    ),
    "receipt_signature_invalid": _(
        "The receipt's signature is not valid for this instance's key: it was forged or "
        "its checkpoint was edited."
    ),
    "receipt_entry_altered": _(
        "The ledger entry in the receipt was edited: its content no longer matches its hash."
    ),
    "receipt_path_invalid": _(
        "The receipt's path does not lead from its entry to the signed checkpoint: it was edited."
    ),
    "receipt_subject_mismatch": _(
        "The receipt's %(field)s is not what its ledger entry recorded: it was edited, or "
        "it is another entry's proof."
    ),
    "receipt_not_expected": _(
        "This receipt is for %(field)s %(actual)s, not %(expected)s: it is a genuine "
        "receipt presented for something else."
    ),
    "receipt_not_in_ledger": _(
        "The receipt holds with this instance's key, but its entry is not in this "
        "instance's ledger as the receipt states."
    ),
}


def receipt_problem(code: str, params: dict[str, Any]) -> str:
    template = RECEIPT_PROBLEMS.get(code)
    if template is None:
        return code
    try:
        return str(template) % _numbers_for_reading(params)
    except (KeyError, TypeError, ValueError):
        return code


def _numbers_for_reading(params: dict[str, Any]) -> dict[str, Any]:
    """Numbers in Persian digits in a Persian sentence; hashes and names as they are."""
    if not (get_language() or "").startswith("fa"):
        return params
    return {
        key: to_persian_digits(str(value))
        if isinstance(value, int) and not isinstance(value, bool)
        else value
        for key, value in params.items()
    }
