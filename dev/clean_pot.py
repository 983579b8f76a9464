"""Drop the occurrences Odoo's export finds again through the .build/ symlink to this repository.

Odoo walks the addon folder following symlinks, and .build/addons/<addon> points back to the
repository, so every code string is also listed under .build/addons/<addon>/.build/… paths.
Strings found *only* under .build/ (e.g. the OCA addon `make bench` installs in .build/oca) or
bridges/ (modules of their own, with their own catalogues)
are not this addon's: they are dropped.
"""

import sys

import polib

path = sys.argv[1]
# The bridges (bridges/<module>) live inside the addon's folder but are modules of their own, with
# their own catalogues: their strings are not the addon's. A bridge's own export passes --bridge.
skipped = ("/.build/",) if "--bridge" in sys.argv[2:] else ("/.build/", "/bridges/")
catalog = polib.pofile(path, wrapwidth=78)
for entry in list(catalog):
    kept = [(where, line) for where, line in entry.occurrences if not any(part in where for part in skipped)]
    if entry.occurrences and not kept:
        catalog.remove(entry)
    else:
        entry.occurrences = kept
catalog.save(path)
