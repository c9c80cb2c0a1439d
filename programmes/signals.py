"""Signals of the record's own, beside Django's model signals."""

from django.dispatch import Signal

# Sent by load_dataset inside its transaction, once every file of the cited dataset is loaded: what is drawn from the
# whole record (the link previews' pictures, dashboard/share_images.py) is drawn again once it has committed.
dataset_loaded = Signal()
