"""Four eyes: with REVIEW_REQUIRED on, what an editor adds, changes or deletes in the admin is a draft, invisible to the
public, until a second editor approves it; nobody approves their own draft; two drafts of one figure are decided in turn."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase, override_settings
from django.urls import reverse

from programmes.models import Draft, Figure, Source
from tests.helpers import ROOT, existing_row, figure_form, form_data, make_figure, new_row, run_import_command, to_csv
from tests.programmes.test_dataset import load

PASSWORD = "a-long-test-password"
# Words and a value no figure of the shipped dataset holds, so that finding them anywhere public means the draft leaked.
NOTE = "Quokkatrack paragraph"
VALUE = "£987m"
REASON = "Misread the report's table 3"


def public_pages(figure: Figure) -> dict[str, str]:
    """Every public address where a figure's value or note could show: its pages, downloads, search, feeds, as at today."""
    slug = figure.programme.slug
    return {
        "figure page": figure.get_absolute_url(),
        "programme page": reverse("dashboard:programme-detail", args=[slug]) + "?page=all",
        "source page": reverse("dashboard:source-detail", args=[figure.source_id]) + "?page=all",
        "figure explorer": reverse("dashboard:figure-list") + f"?programme={slug}&page=all",
        "figures.csv": reverse("dashboard:figures-csv"),
        "figures.json": reverse("dashboard:figures-json"),
        "search": reverse("dashboard:search") + "?q=Quokkatrack&kind=figures",
        "changes feed": reverse("dashboard:changes-feed"),
        "programme feed": reverse("dashboard:programme-feed", args=[slug]),
        "changes": reverse("dashboard:changes"),
        "corrections": reverse("dashboard:corrections"),
        "corrections feed": reverse("dashboard:corrections-feed"),
        "corrections.csv": reverse("dashboard:corrections-csv"),
        "figure page as at today": figure.get_absolute_url() + "?as_at=2026-12-01",
        "figures.csv as at today": reverse("dashboard:figures-csv") + "?as_at=2026-12-01",
    }


@override_settings(REVIEW_REQUIRED=True)
class ReviewTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        users = get_user_model().objects
        cls.proposer = users.create_superuser("proposer", "proposer@example.org", PASSWORD)
        cls.reviewer = users.create_superuser("reviewer", "reviewer@example.org", PASSWORD)
        cls.figure = Figure.objects.get(key="F041")

    def as_user(self, user) -> None:
        self.client.force_login(user)

    def propose_change(self, user=None, **changes) -> Draft:
        self.as_user(user or self.proposer)
        figure = Figure.objects.get(pk=self.figure.pk)
        data = figure_form(figure, **{"as_published": VALUE, "note": NOTE, "change_reason": REASON, **changes})
        response = self.client.post(reverse("admin:programmes_figure_change", args=[figure.pk]), data)
        draft = Draft.objects.latest("pk")
        self.assertRedirects(response, reverse("admin:programmes_draft_change", args=[draft.pk]))
        return draft

    def decide(self, draft: Draft, user, decision: str = "approve", reason: str = "Checked against the report"):
        self.as_user(user)
        response = self.client.post(
            reverse("admin:programmes_draft_change", args=[draft.pk]), {"decision": decision, "review_reason": reason}, follow=True
        )
        draft.refresh_from_db()
        return response

    def messages(self, response) -> list[str]:
        return [str(message) for message in get_messages(response.wsgi_request)]

    def assert_public_shows(self, figure: Figure, *texts: str, shown: bool = True) -> None:
        self.client.logout()
        for name, url in public_pages(figure).items():
            response = self.client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            for text in texts:
                with self.subTest(page=name, text=text, shown=shown):
                    self.assertEqual(response.status_code, 200)
                    if shown:
                        continue  # checked below on the pages that show values and notes
                    self.assertNotIn(text, body.decode())

    def test_it_keeps_a_change_off_every_public_page_download_search_and_feed_until_a_second_editor_approves_it(self):
        draft = self.propose_change()
        self.assertEqual((draft.action, draft.status, draft.object_id), ("change", "pending", self.figure.pk))
        figure = Figure.objects.get(pk=self.figure.pk)
        self.assertEqual((figure.as_published, figure.note), (self.figure.as_published, self.figure.note))
        self.assert_public_shows(figure, NOTE, VALUE, shown=False)

        response = self.decide(draft, self.reviewer)
        self.assertEqual(draft.status, "approved")
        self.assertIn(f"{draft} was approved and published.", self.messages(response))
        figure = Figure.objects.get(pk=self.figure.pk)
        self.assertEqual((figure.as_published, figure.note), (VALUE, NOTE))
        # The history keeps the proposer and their reason; the draft keeps who approved it.
        latest = figure.history.latest("history_date")
        self.assertEqual((latest.history_user, latest.history_change_reason), (self.proposer, REASON))
        self.assertEqual(draft.reviewed_by, self.reviewer)
        # Decided, the draft still reads as the change it made, against the version it was made from.
        page = self.client.get(reverse("admin:programmes_draft_change", args=[draft.pk])).content.decode()
        self.assertRegex(page, r'<tr class="changed"><th scope="row">Value as published</th><td>£90m</td><td><strong>£987m</strong>')
        self.assertIn("Approved by reviewer", page)

        self.client.logout()
        self.assertContains(self.client.get(figure.get_absolute_url()), "£987m")
        self.assertContains(self.client.get(reverse("dashboard:search") + "?q=Quokkatrack&kind=figures"), figure.key)
        self.assertIn(NOTE, b"".join(self.client.get(reverse("dashboard:figures-csv")).streaming_content).decode())
        # A correction of a published figure: on the corrections log with its reason, and on the feed.
        corrections = self.client.get(reverse("dashboard:corrections")).content.decode()
        self.assertIn(REASON.replace("'", "&#x27;"), corrections)
        self.assertIn("£987m", corrections)
        self.assertIn(REASON, self.client.get(reverse("dashboard:corrections-feed")).content.decode())

    def test_it_keeps_a_new_figure_unpublished_until_approved(self):
        self.as_user(self.proposer)
        data = figure_form(self.figure, key="", note=NOTE, as_published=VALUE, version="", change_reason="")
        response = self.client.post(reverse("admin:programmes_figure_add"), data)
        draft = Draft.objects.get()
        self.assertRedirects(response, reverse("admin:programmes_draft_change", args=[draft.pk]))
        self.assertEqual((draft.action, draft.object_id), ("add", None))
        self.assertFalse(Figure.objects.filter(note=NOTE).exists())
        self.assert_public_shows(self.figure, NOTE, VALUE, shown=False)

        self.decide(draft, self.reviewer)
        added = Figure.objects.get(note=NOTE)
        self.assertEqual(draft.object_id, added.pk)
        self.client.logout()
        self.assertContains(self.client.get(added.get_absolute_url()), "£987m")
        self.assertContains(self.client.get(reverse("dashboard:search") + "?q=Quokkatrack&kind=figures"), "£987m")

    def test_it_says_on_the_form_that_saving_makes_a_draft(self):
        self.as_user(self.proposer)
        for url in (reverse("admin:programmes_figure_change", args=[self.figure.pk]), reverse("admin:programmes_source_add")):
            with self.subTest(url=url):
                self.assertContains(self.client.get(url), "Saving makes a draft for review")

    def test_it_refuses_to_let_the_proposer_approve_their_own_draft(self):
        draft = self.propose_change()
        page = self.client.get(reverse("admin:programmes_draft_change", args=[draft.pk]))
        self.assertNotContains(page, "Approve and publish")
        self.assertContains(page, "Withdraw my draft")

        response = self.decide(draft, self.proposer)
        self.assertEqual(draft.status, "pending")
        self.assertIn("you proposed this draft", " ".join(self.messages(response)))
        self.assertEqual(Figure.objects.get(pk=self.figure.pk).note, self.figure.note)

        self.as_user(self.reviewer)
        self.assertContains(self.client.get(reverse("admin:programmes_draft_change", args=[draft.pk])), "Approve and publish")

    def test_it_needs_a_reason_to_approve_or_send_back(self):
        draft = self.propose_change()
        for decision in ("approve", "send_back"):
            with self.subTest(decision=decision):
                response = self.decide(draft, self.reviewer, decision, reason="  ")
                self.assertEqual(draft.status, "pending")
                self.assertIn("give a reason", " ".join(self.messages(response)))
        self.assertEqual(Figure.objects.get(pk=self.figure.pk).note, self.figure.note)

    def test_it_publishes_nothing_for_a_draft_sent_back(self):
        draft = self.propose_change()
        self.decide(draft, self.reviewer, "send_back", "The report says £90m on page 12")
        self.assertEqual((draft.status, draft.review_reason), ("sent_back", "The report says £90m on page 12"))
        self.assertEqual(Figure.objects.get(pk=self.figure.pk).as_published, self.figure.as_published)
        self.assertIn("sent back", self.decide(draft, self.reviewer).content.decode().lower())
        self.assertEqual(draft.status, "sent_back")

    def test_it_shows_the_change_field_by_field_and_the_public_pages_as_they_would_become(self):
        draft = self.propose_change()
        self.as_user(self.reviewer)
        page = self.client.get(reverse("admin:programmes_draft_change", args=[draft.pk])).content.decode()
        self.assertIn("Proposed by proposer", page)
        self.assertRegex(page, r'<tr class="changed"><th scope="row">Value as published</th><td>£90m</td><td><strong>£987m</strong>')
        self.assertRegex(page, r'<tr class="changed"><th scope="row">Note</th>.*Quokkatrack')
        preview = self.client.get(reverse("admin:programmes_draft_preview", args=[draft.pk]))
        self.assertContains(preview, "Preview, not published.")
        self.assertContains(preview, "£987m")
        self.assertEqual(Figure.objects.get(pk=self.figure.pk).as_published, self.figure.as_published)

    def test_it_refuses_the_second_of_two_drafts_of_one_figure_until_the_first_is_decided_and_then_as_stale(self):
        first = self.propose_change(note="First editor's note")
        second = self.propose_change(user=self.reviewer, note="Second editor's note")
        self.as_user(self.proposer)
        page = self.client.get(reverse("admin:programmes_draft_change", args=[second.pk]))
        self.assertContains(page, "Another draft of this figure, made earlier, is still waiting")
        self.assertContains(page, reverse("admin:programmes_draft_change", args=[first.pk]))

        change_form = self.client.get(reverse("admin:programmes_figure_change", args=[self.figure.pk]))
        self.assertContains(change_form, "is waiting for review. A change saved here is a further draft, decided after it.")
        response = self.decide(second, self.proposer)
        self.assertEqual(second.status, "pending")
        self.assertIn(f"{first}</a>, of the same figure, was made earlier and is still waiting", " ".join(self.messages(response)))
        self.assertEqual(Figure.objects.get(pk=self.figure.pk).note, self.figure.note)

        self.decide(first, self.reviewer)
        self.assertEqual(Figure.objects.get(pk=self.figure.pk).note, "First editor's note")
        response = self.decide(second, self.proposer)
        self.assertEqual(second.status, "pending")
        self.assertIn("was saved by someone else after this draft was made", " ".join(self.messages(response)))
        self.assertEqual(Figure.objects.get(pk=self.figure.pk).note, "First editor's note")
        self.decide(second, self.proposer, "send_back", "Overtaken by the first draft")
        self.assertEqual(second.status, "sent_back")

    def test_it_keeps_a_deleted_figure_published_until_the_deletion_is_approved(self):
        self.as_user(self.proposer)
        figure = Figure.objects.create(
            **{f.name: getattr(self.figure, f.name) for f in Figure._meta.concrete_fields if f.name not in ("id", "key", "version")},
            key="F9REVIEW",
        )
        response = self.client.post(
            reverse("admin:programmes_figure_delete", args=[figure.pk]), {"post": "yes", "change_reason": "Entered twice"}
        )
        draft = Draft.objects.get()
        self.assertRedirects(response, reverse("admin:programmes_draft_change", args=[draft.pk]))
        self.assertEqual(draft.action, "delete")
        # The reviewer sees the programme's card and charts as they would be without it; nothing is deleted meanwhile.
        self.as_user(self.reviewer)
        self.assertContains(
            self.client.get(reverse("admin:programmes_draft_change", args=[draft.pk])),
            "See the public card and charts as they would become",
        )
        preview = self.client.get(reverse("admin:programmes_draft_preview", args=[draft.pk]))
        self.assertContains(preview, f"{figure.programme.name}, with the figure deleted")
        self.assertNotContains(preview, figure.get_absolute_url() + '"')
        self.assertTrue(Figure.objects.filter(pk=figure.pk).exists())
        self.client.logout()
        self.assertEqual(self.client.get(figure.get_absolute_url()).status_code, 200)

        self.decide(draft, self.reviewer, reason="It is figure F041 again")
        self.assertFalse(Figure.objects.filter(pk=figure.pk).exists())
        self.client.logout()
        self.assertEqual(self.client.get(figure.get_absolute_url()).status_code, 410)
        self.assertContains(self.client.get(reverse("dashboard:corrections")), "Entered twice")

    def test_it_holds_a_changed_source_as_a_draft_too(self):
        source = Source.objects.get(pk=self.figure.source_id)
        self.as_user(self.proposer)
        page = self.client.get(reverse("admin:programmes_source_change", args=[source.pk]))
        form = page.context["adminform"].form
        data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
        data.update({"title": "Quokkatrack report", "change_reason": "Title misspelt", "is_primary": "on" if source.is_primary else ""})
        data["version"] = form["version"].field.prepare_value(source.version)
        self.client.post(reverse("admin:programmes_source_change", args=[source.pk]), data)
        draft = Draft.objects.get()
        self.assertEqual((draft.subject, draft.action), ("source", "change"))
        self.assertNotEqual(Source.objects.get(pk=source.pk).title, "Quokkatrack report")
        # The preview shows every programme with a figure from the source, its charts' sources under the new title.
        self.as_user(self.reviewer)
        preview = self.client.get(reverse("admin:programmes_draft_preview", args=[draft.pk]))
        for programme in {figure.programme for figure in source.figures.select_related("programme")}:
            self.assertContains(preview, f"{programme.name}, with the draft approved")
        self.assertContains(preview, "Quokkatrack report")
        self.assertNotEqual(Source.objects.get(pk=source.pk).title, "Quokkatrack report")
        self.decide(draft, self.reviewer)
        self.assertEqual(draft.status, "approved")
        self.assertEqual(Source.objects.get(pk=source.pk).title, "Quokkatrack report")

    def test_it_holds_an_admin_import_as_one_draft_until_approved(self):
        self.as_user(self.proposer)
        url = reverse("admin:programmes_figure_import")
        data = to_csv(existing_row(self.figure, locator="paragraph 12"), new_row(note=NOTE))
        preview = self.client.post(url, {"file": SimpleUploadedFile("nao-2026.csv", data, content_type="text/csv")})
        response = self.client.post(url, {**preview.context["confirm"].initial, "confirm": "1"})
        draft = Draft.objects.get()
        self.assertRedirects(response, reverse("admin:programmes_draft_change", args=[draft.pk]))
        self.assertEqual((draft.subject, str(draft)), ("import", f"Draft {draft.pk}: import nao-2026.csv"))
        self.assertFalse(Figure.objects.filter(note=NOTE).exists())
        self.assertNotEqual(Figure.objects.get(pk=self.figure.pk).locator, "paragraph 12")
        self.assert_public_shows(self.figure, NOTE, "paragraph 12", shown=False)

        self.as_user(self.reviewer)
        page = self.client.get(reverse("admin:programmes_draft_change", args=[draft.pk]))
        self.assertContains(page, "1 created, 1 updated")
        self.assertContains(page, "paragraph 12")
        self.assertIn("you proposed this draft", " ".join(self.messages(self.decide(draft, self.proposer))))
        self.decide(draft, self.reviewer)
        self.assertEqual(draft.status, "approved")
        self.assertTrue(Figure.objects.filter(note=NOTE).exists())
        self.assertEqual(Figure.objects.get(pk=self.figure.pk).locator, "paragraph 12")

    def test_it_says_a_command_line_import_publishes_directly(self):
        output = run_import_command(to_csv(new_row(note=NOTE)))
        self.assertIn("Published directly, without a second editor's review", output)
        self.assertTrue(Figure.objects.filter(note=NOTE).exists())
        self.assertFalse(Draft.objects.exists())

    def test_it_holds_a_revert_and_a_recovery_from_the_history_as_drafts(self):
        figure = make_figure(self.figure.programme, self.figure.source, key="F9REVIEW", note="As first entered")
        figure.note, figure._change_reason = "Edited later", "Edited"
        figure.save()
        first = figure.history.earliest("history_date")
        self.as_user(self.proposer)
        url = reverse("admin:programmes_figure_simple_history", args=[figure.pk, first.history_id])
        opened = form_data(self.client.get(url).content.decode(), "historicalfigure_form")
        self.client.post(url, opened | {"change_reason": ["Back to the first entry"]})
        revert = Draft.objects.get()
        self.assertEqual((revert.action, Figure.objects.get(pk=figure.pk).note), ("change", "Edited later"))
        self.decide(revert, self.reviewer)
        self.assertEqual(Figure.objects.get(pk=figure.pk).note, "As first entered")

        figure.refresh_from_db()
        figure._change_reason, pk = "Entered twice", figure.pk
        figure.delete()
        deletion = Figure.history.filter(id=pk, history_type="-").get()
        self.as_user(self.proposer)
        url = reverse("admin:programmes_figure_simple_history", args=[pk, deletion.history_id])
        opened = form_data(self.client.get(url).content.decode(), "historicalfigure_form")
        self.client.post(url, opened | {"change_reason": ["Deleted by mistake"]})
        recovery = Draft.objects.latest("pk")
        self.assertEqual((recovery.action, recovery.object_id), ("add", pk))
        self.assertFalse(Figure.objects.filter(pk=pk).exists())
        self.decide(recovery, self.reviewer)
        self.assertEqual(recovery.status, "approved")
        self.assertEqual(Figure.objects.get(pk=pk).key, "F9REVIEW")

    def test_it_says_the_dataset_load_publishes_directly(self):
        folder = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, folder)
        for path in (ROOT / "fixtures").glob("*.json"):
            shutil.copy(path, folder)
        rows = json.loads((folder / "figures.json").read_text(encoding="utf-8"))
        next(row for row in rows if row["fields"]["key"] == "F041")["fields"]["locator"] = "p. 12, corrected"
        (folder / "figures.json").write_text(json.dumps(rows), encoding="utf-8")
        self.assertIn("Published directly, without a second editor's review", load(fixtures=folder))
        self.assertEqual(Figure.objects.get(key="F041").locator, "p. 12, corrected")
        self.assertFalse(Draft.objects.exists())


class SingleEditorTests(TestCase):
    def test_it_publishes_at_once_when_review_is_off(self):
        editor = get_user_model().objects.create_superuser("single", "single@example.org", PASSWORD)
        self.client.force_login(editor)
        figure = Figure.objects.get(key="F041")
        with override_settings(REVIEW_REQUIRED=False):
            self.client.post(reverse("admin:programmes_figure_change", args=[figure.pk]), figure_form(figure, note=NOTE))
        self.assertEqual(Figure.objects.get(pk=figure.pk).note, NOTE)
        self.assertFalse(Draft.objects.exists())
