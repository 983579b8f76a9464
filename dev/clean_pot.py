"""Drop the occurrences Odoo's export finds again through the .build/ symlink to this repository.

Odoo walks the addon folder following symlinks, and .build/addons/<addon> points back to the
repository, so every code string is also listed under .build/addons/<addon>/.build/… paths.
"""

import sys

import polib

path = sys.argv[1]
catalog = polib.pofile(path, wrapwidth=78)
for entry in catalog:
    entry.occurrences = [(where, line) for where, line in entry.occurrences if "/.build/" not in where]
catalog.save(path)
