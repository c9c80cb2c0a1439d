from django.apps import AppConfig


class SharedServicesConfig(AppConfig):
    """The project package as an app, so that it can set up the database connection before any request."""

    name = "sharedservices"
    verbose_name = "Shared services (site set-up)"

    def ready(self) -> None:
        from django.conf import settings

        if any(database["ENGINE"].endswith("postgresql") for database in settings.DATABASES.values()):
            from sharedservices import database

            database.install()
