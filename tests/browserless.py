"""What a browser would send for a form on a page, read from the HTML, for tests that post forms without a browser."""

from __future__ import annotations

from html.parser import HTMLParser


class FormReader(HTMLParser):
    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: dict[str, list[str]] = {}
        self.select: tuple[str, bool] | None = None
        self.options: list[tuple[str, bool]] = []
        self.textarea: str | None = None
        self.text = ""

    def add(self, name: str, value: str) -> None:
        self.fields.setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.inside = found.get("id") == self.form_id
        if not self.inside or "disabled" in found:
            return
        if tag == "input" and found.get("name"):
            kind = found.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in found:
                    self.add(found["name"], found.get("value", "on"))
            elif kind not in ("submit", "button", "image", "file", "reset"):
                self.add(found["name"], found.get("value", ""))
        elif tag == "select" and found.get("name"):
            self.select, self.options = (found["name"], "multiple" in found), []
        elif tag == "option" and self.select:
            self.options.append((found.get("value", ""), "selected" in found))
        elif tag == "textarea" and found.get("name"):
            self.textarea, self.text = found["name"], ""

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select:
            name, multiple = self.select
            chosen = [value for value, selected in self.options if selected]
            if not chosen and not multiple and self.options:
                chosen = [self.options[0][0]]
            for value in chosen:
                self.add(name, value)
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            # Browsers drop the one line break that may follow <textarea>.
            self.add(self.textarea, self.text.removeprefix("\r\n").removeprefix("\n"))
            self.textarea = None


def form_data(html: str, form_id: str) -> dict[str, list[str]]:
    """The fields of the form with this id, as a browser would submit them unchanged."""
    reader = FormReader(form_id)
    reader.feed(html)
    return reader.fields
