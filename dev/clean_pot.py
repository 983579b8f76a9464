"""Drop the occurrences Odoo's export finds again through the .build/ symlink to this repository.

Odoo walks the addon folder following symlinks, and .build/addons/<addon> points back to the
repository, so every code string is also listed under .build/addons/<addon>/.build/… paths.
Strings found *only* under .build/ (e.g. the OCA addon `make bench` installs in .build/oca)
are not this addon's: they are dropped.
"""

import sys

import polib

path = sys.argv[1]
catalog = polib.pofile(path, wrapwidth=78)
for entry in list(catalog):
    kept = [(where, line) for where, line in entry.occurrences if "/.build/" not in where]
    if entry.occurrences and not kept:
        catalog.remove(entry)
    else:
        entry.occurrences = kept
catalog.save(path)
