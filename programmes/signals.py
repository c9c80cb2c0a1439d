"""Signals of the record's own, beside Django's model signals."""

from django.dispatch import Signal

# Sent by load_dataset inside its transaction, once every file of the cited dataset is loaded, with rows_changed (whether
# it added or corrected any row). What the public app builds from the whole record listens (dashboard/apps.py): a
# dataset release, in the same transaction, returned so that the command can say so; the link previews' pictures, drawn
# once it has committed. The domain publishes the signal and never imports the app.
dataset_loaded = Signal()
