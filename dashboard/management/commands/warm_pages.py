"""Build the main pages into the shared cache, as the first readers would ask for them (dashboard/warming.py).

gunicorn runs it once when the server starts (gunicorn.conf.py), beside the workers rather than in each of them, so
that the first readers after a deploy or a restart find `/` and the strategies' pages already built.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from dashboard import warming


class Command(BaseCommand):
    help = "Build the main pages into the shared cache (/, every strategy's page, the figures and the sources)."

    def handle(self, *args, **options) -> None:
        scheme, host = warming.origin()
        built = warming.warm()
        if options["verbosity"] > 0:
            self.stdout.write(f"Built {built} pages for {scheme}://{host}.")
