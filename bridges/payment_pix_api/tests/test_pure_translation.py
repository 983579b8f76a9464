"""The module's pt_BR catalogue is complete and keeps every placeholder, without a database."""

import os
import re

import polib

from odoo.tests import BaseCase, tagged

CATALOGUE = os.path.join(os.path.dirname(os.path.dirname(__file__)), "i18n", "pt_BR.po")
PLACEHOLDER = re.compile(r"%\(\w+\)s")


@tagged("post_install", "-at_install")
class TestPtBrCatalogue(BaseCase):
    def test_every_string_translated_with_its_placeholders(self):
        catalogue = polib.pofile(CATALOGUE)
        self.assertGreater(len(catalogue), 50)
        for entry in catalogue:
            self.assertTrue(entry.msgstr, f"untranslated: {entry.msgid!r}")
            self.assertEqual(
                sorted(PLACEHOLDER.findall(entry.msgid)), sorted(PLACEHOLDER.findall(entry.msgstr)), entry.msgid
            )
