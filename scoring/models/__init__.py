"""Models of the scoring app: the table and its criteria, the sheets and their scores."""

from .notices import ExtensionRequest, Reminder
from .sheet import (
    Evidence,
    Score,
    ScoreNumbers,
    ScoreSheet,
    ScoreValues,
    SheetIncomplete,
    SheetLocked,
    StaleWrite,
    clean_text,
    deadline_passed,
    end_of_day,
    evidence_path,
    private_storage,
)
from .table import (
    TABLE_WORDING_FIELDS,
    TIE_BREAK_RULES,
    TIE_BREAK_WORDS,
    WORDING_FIELDS,
    Criterion,
    CriterionQuerySet,
    ScoringTable,
    ScoringTableQuerySet,
    TableLocked,
    default_tie_break,
    describe_tie_break,
    tie_break_from_words,
    tie_break_to_words,
    validate_tie_break,
)

__all__ = [
    "TABLE_WORDING_FIELDS", "TIE_BREAK_RULES", "TIE_BREAK_WORDS", "WORDING_FIELDS", "Criterion",
    "CriterionQuerySet", "Evidence", "ExtensionRequest", "Reminder", "Score", "ScoreNumbers",
    "ScoreSheet", "ScoreValues",
    "ScoringTable", "ScoringTableQuerySet", "SheetIncomplete", "SheetLocked", "StaleWrite",
    "TableLocked",
    "clean_text", "deadline_passed", "default_tie_break", "describe_tie_break", "end_of_day",
    "evidence_path", "private_storage", "tie_break_from_words", "tie_break_to_words",
    "validate_tie_break",
]  # fmt: skip
