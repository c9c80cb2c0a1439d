"""Signals of the record's own, beside Django's model signals."""

from django.dispatch import Signal

# Sent by load_dataset inside its transaction, once every file of the cited dataset is loaded, with rows_changed (whether
# it added or corrected any row). What the public app builds from the whole record listens (dashboard/apps.py): a
# dataset release, in the same transaction, returned so that the command can say so; the link previews' pictures, drawn
# once it has committed. The domain publishes the signal and never imports the app.
dataset_loaded = Signal()

# Sent by the import after it writes rows and their history records in bulk (simple-history's bulk_create_with_history
# sends no signal, where a save sends post_create_historical_record), with the model written. What is keyed by the
# record's change stamp listens (dashboard/apps.py).
history_written = Signal()
