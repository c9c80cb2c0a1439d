"""How much text an editor may write in a box, where the model leaves no natural length (docs/limits.md has the table).

A TextField's max_length reaches only its form (the box's maxlength and a check); each one also carries a
MaxLengthValidator, so that full_clean, and with it the import, refuses an over-long text too.

Every page shows a note in full, and the search index and the downloads carry it: a note of a megabyte would make the
figure's page a megabyte, past the page budget, and pass Python's csv field limit (131,072 characters) in an export.
"""

# A note or caveat: a paragraph or two. The longest in the cited dataset is under 300 characters.
NOTE_LENGTH = 4000
# A programme's summary: "two to four plain sentences". The longest in the cited dataset is under 500.
SUMMARY_LENGTH = 2000
# Why sources contradict each other: the longest in the cited dataset is about 700.
EXPLANATION_LENGTH = 4000


def up_to(length: int) -> str:
    """The limit as the help text under a box states it."""
    return f"Up to {length:,} characters."
