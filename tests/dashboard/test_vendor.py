"""The vendored plotly.js matches the plotly Python package that builds our figure JSON."""

from pathlib import Path

import plotly.offline

from dashboard.vendor import BUNDLE, STYLESHEET, plotly_css

VENDOR = Path(BUNDLE).parent


class VendoredPlotlyTests:
    def test_it_is_the_version_the_python_package_was_built_for(self):
        assert (VENDOR / "VERSION").read_text().strip() == plotly.offline.get_plotlyjs_version()
        assert f"v{plotly.offline.get_plotlyjs_version()}" in BUNDLE.read_text(encoding="utf-8")[:400]

    def test_it_ships_its_licence(self):
        assert "MIT" in (VENDOR / "LICENSE").read_text()

    def test_its_stylesheet_matches_the_bundle(self):
        css = STYLESHEET.read_text(encoding="utf-8")
        assert css == plotly_css(BUNDLE.read_text(encoding="utf-8"))
        assert ".js-plotly-plot .plotly .modebar{" in css
