"""Refill the search index from the record: after `loaddata`, SQL or any other load that goes around save()."""

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS

from programmes.search import index


class Command(BaseCommand):
    help = "Rewrite every entry of the search index from the programmes, sources, figures and events stored."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="The database whose index to rebuild.")

    def handle(self, *args, **options) -> None:
        index.rebuild(using=options["database"])
        if options["verbosity"]:
            self.stdout.write("Search index rebuilt.")
